/**
 * Scenario 3: IMAP faults under a running poller + triage worker (in-process; their reconnects are
 * what is tested). Dovecot restarted mid-batch; the connection cut mid-FETCH and mid-MOVE by a TCP
 * proxy between the pipeline and Dovecot; a destination folder deleted while running.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { PrivateDovecot, TcpProxy, type CutMode } from '../helpers/faults';
import { appendAll, imapClient, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, TEST_ENV, newImapUser } from '../helpers/services';
import { faultEnv, type FaultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { figures, registerCounts, report, settle } from './lib/figures';

const log = createLogger(process.env.AIG_TEST_LOG ?? 'silent');

jest.setTimeout(100000);

describe('reliability: IMAP faults', () => {
  const running: Running[] = [];
  const envs: FaultEnv[] = [];
  let dovecot: PrivateDovecot | null = null;
  let proxy: TcpProxy | null = null;

  async function start(p: FaultEnv): Promise<Running> {
    envs.push(p);
    const triage = await startTriage(p.config, log);
    running.push(triage, startPoller(p.config, log));
    return triage;
  }

  async function stopAll(): Promise<void> {
    while (running.length > 0) await running.pop()!.stop();
  }

  afterAll(async () => {
    await stopAll();
    await proxy?.close();
    await dovecot?.stop();
    for (const p of envs) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  test('Dovecot restarted mid-batch: nothing lost, nothing doubled', async () => {
    const dir = path.join(process.env[TEST_ENV.runDir] ?? '/tmp', `dovecot-restart-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    dovecot = await PrivateDovecot.start(dir);
    const user = await dovecot.addUser(`restart${Date.now().toString(36)}`);
    const p = await faultEnv('dovecot-restart', { user });
    const count = 80;
    await appendAll(user, sampleMessages(count).map((s) => s.source));
    await start(p);
    await waitFor('a few registered', () => registerCounts(p.registerPath).items >= 5, 60000, 10);
    const movedAtRestart = registerCounts(p.registerPath).moved;
    await dovecot.restart(1000);
    await settle(p.registerPath, count, 60000);
    const f = await figures(user, p.registerPath, count);
    report('dovecot restart mid-batch', f, { movedAtRestart });
    expect(movedAtRestart).toBeLessThan(count);
    expectClean(f);
    await stopAll();
  });

  // Jobs carry the size the poller saw, so the worker fetches sources directly (no metadata FETCH).
  const BODY = /UID FETCH [\d,:]+ \(UID (?:INTERNALDATE )?BODY\.PEEK\[\]/;
  const MOVE = /UID MOVE [\d,:]+ /;
  const STORE = /UID STORE [\d,:]+ \+FLAGS/;
  const APPEND = /APPEND /;
  const EXPUNGE = /UID EXPUNGE /;
  // One-shot cuts, armed one after the other: each fires on the next matching command. With the
  // register keyword (the default) a message is copied with it (APPEND, then STORE \Deleted and UID
  // EXPUNGE of the original, after the copying mark's STORE); without, it is MOVEd.
  const cutPlans: [string, Record<string, unknown>, [RegExp, CutMode][]][] = [
    [
      'register keyword: APPEND + EXPUNGE',
      {},
      [
        [BODY, 'mid-response'],
        [APPEND, 'lose-response'],
        [BODY, 'drop-request'],
        [STORE, 'drop-request'],
        [APPEND, 'drop-request'],
        [EXPUNGE, 'lose-response'],
        [APPEND, 'lose-response'],
        [STORE, 'lose-response'],
        [EXPUNGE, 'drop-request'],
      ],
    ],
    [
      'no register keyword: MOVE',
      { routing: { registerKeyword: false } },
      [
        [BODY, 'mid-response'],
        [MOVE, 'lose-response'],
        [BODY, 'drop-request'],
        [MOVE, 'drop-request'],
        [BODY, 'lose-response'],
        [MOVE, 'lose-response'],
        [BODY, 'mid-response'],
      ],
    ],
  ];

  test.each(cutPlans)('connection cut mid-command (TCP proxy), %s: nothing lost, nothing doubled', async (label, overrides, plan) => {
    const user = await newImapUser();
    proxy = await TcpProxy.start(user.host, user.port);
    const p = await faultEnv('imap-cuts', { user, imapPort: proxy.port, overrides });
    // Enough traffic for the cuts to fire before the batch is done (each waits for its command).
    const count = 120;
    await appendAll(user, sampleMessages(count + 40).slice(40).map((s) => s.source));
    const fired: string[] = [];
    const px = proxy;
    let done = false;
    const driver = (async () => {
      for (const [pattern, mode] of plan) {
        const armed = px.cutOn(pattern, mode);
        let cmd: string | null = null;
        while (cmd === null && !done) cmd = await Promise.race([armed, new Promise<null>((r) => setTimeout(() => r(null), 200))]);
        if (cmd === null) break;
        fired.push(`${mode} ${cmd.split(' ').slice(1, 3).join(' ')}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await start(p);
    await settle(p.registerPath, count, 60000);
    done = true;
    await driver;
    px.disarm();
    const f = await figures(user, p.registerPath, count, { keywords: (overrides as { routing?: { registerKeyword?: boolean } }).routing?.registerKeyword !== false });
    report(`imap cuts, ${label}`, f, { cuts: fired.length, proxyCuts: px.cuts });
    process.stdout.write(`[reliability] cuts: ${fired.join('; ')}\n`);
    // Timing decides how many fire before the batch ends; most of the plan must have.
    expect(fired.length).toBeGreaterThanOrEqual(plan.length - 3);
    expectClean(f);
    await proxy.close();
    proxy = null;
    await stopAll();
  });

  test('destination folder deleted while running: re-created, only its former content is gone', async () => {
    const user = await newImapUser();
    const p = await faultEnv('folder-delete', { user });
    const all = sampleMessages(120);
    const pcn = all.filter((s) => /\/pcn-/.test(s.file)).slice(0, 24);
    const other = all.filter((s) => !/\/pcn-/.test(s.file)).slice(0, 6);
    const sources = [...other, ...pcn].map((s) => s.source);
    await appendAll(user, sources);
    const triage = await start(p);
    const reg = triage.register!;
    const movedToPcn = () => reg.list({ limit: 1000, destination: 'pcn' }).filter((i) => i.status === 'auto-routed' && reg.sourcesOf(i.id)[0]?.movedAt).length;
    await waitFor('a message moved to pcn', () => movedToPcn() >= 2, 60000, 20);
    const deleted = await deleteFolder(user, 'pcn');
    // Settled when every message is recorded as moved, or as not found (moved into the folder in the
    // moment it was deleted, before its move was recorded: the register says so, in its history).
    const notFound = () => (reg.db.prepare("SELECT COUNT(DISTINCT item_id) AS n FROM history WHERE action = 'not-found'").get() as { n: number }).n;
    await waitFor('every message moved or reported not found', () => reg.counts().moved + notFound() >= sources.length, 60000, 250).catch(() => undefined);
    const removed = deleted.map((k) => (k.startsWith('mid:') ? reg.findByMessageIds([k.slice(4)])!.registerNo : k));
    const f = await figures(user, p.registerPath, sources.length);
    report('destination folder deleted mid-run', f, { deletedWithFolder: removed.length });
    // What the person deleted is gone (the folder's content at that moment) and nothing else:
    // every later message to pcn landed in the re-created folder.
    // (A message whose MOVE was under way as the folder went can survive as the copy its retry filed,
    // as many as the MOVE batch in flight held: each survivor must then be filed once, where the
    // register says, which the empty list of other problems below checks.)
    const gone = f.problems.filter((x) => / is in no folder$/.test(x)).map((x) => x.split(' ')[0]).sort();
    expect(gone.filter((no) => !removed.includes(no))).toEqual([]);
    expect(gone.length).toBeGreaterThan(0);
    expect(f.problems.filter((x) => !/ is in no folder$/.test(x))).toEqual([]);
    expect(f.lost).toBe(gone.length);
    expect(f.duplicates).toBe(0);
    // Nothing silent: a message the register could not record as moved says so in its history.
    expect(reg.counts().moved + notFound()).toBe(sources.length);
    expect(reg.list({ limit: 1000, destination: 'pcn' }).length).toBeGreaterThan(removed.length);
    await stopAll();
  });
});

/**
 * Delete Aiguillage<delim>leaf as a person would, and return the register keywords it held. The
 * folder is renamed first (atomic: nothing more can be moved into it under its name), its content
 * read, then deleted: so the count of what the deletion took is exact.
 */
async function deleteFolder(user: Parameters<typeof imapClient>[0], leaf: string): Promise<string[]> {
  const c = imapClient(user);
  await c.connect();
  try {
    const delim = (await c.list()).find((l) => l.delimiter)?.delimiter ?? '/';
    const trash = `Corbeille-${leaf}-${Date.now()}`;
    await c.mailboxRename(`Aiguillage${delim}${leaf}`, trash);
    const lock = await c.getMailboxLock(trash);
    let keywords: string[] = [];
    try {
      if (c.mailbox && c.mailbox.exists > 0) {
        const msgs = await c.fetchAll('1:*', { uid: true, flags: true, envelope: true });
        // A message moved a moment before may not carry its keyword yet (it is set after the MOVE):
        // identify those by Message-ID.
        keywords = msgs.flatMap((m) => {
          const kws = [...(m.flags ?? [])].filter((k) => !k.startsWith('\\'));
          return kws.length > 0 ? kws : [`mid:${(m.envelope?.messageId ?? '').replace(/^<|>$/g, '')}`];
        });
      }
    } finally {
      lock.release();
    }
    await c.mailboxDelete(trash);
    return keywords;
  } finally {
    await c.logout();
  }
}
