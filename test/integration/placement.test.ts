/**
 * Where a filed message is: the register records its UID in the destination folder (the server's
 * COPYUID), so finding it again (dashboard, retry after a crash) never depends on an IMAP keyword.
 * Real Dovecot, real SQLite, the worker's own triage use-case.
 */
import { Redis } from 'ioredis';
import type { TriageJob } from '../../src/queue';
import { hintFor, fetchRegistered, moveTo } from '../../src/route/reassign';
import { keywordFor } from '../../src/route/mailbox';
import { triageMessage } from '../../src/triage/process';
import { triageStack } from '../helpers/triage-stack';
import { appendAll, imapClient, inventory, pipelineEnv, sampleMessages, type PipelineEnv } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

jest.setTimeout(90000);

type Stack = ReturnType<typeof triageStack>;

async function inboxUidValidity(p: PipelineEnv): Promise<string> {
  const c = imapClient(p.user);
  await c.connect();
  try {
    return String((await c.mailboxOpen('INBOX')).uidValidity);
  } finally {
    await c.logout();
  }
}

describe.each([
  ['without', false],
  ['with', true],
])('placement %s the register keyword', (_label, registerKeyword) => {
  let p: PipelineEnv;
  let redis: Redis;
  let s: Stack;
  const count = 6;

  beforeAll(async () => {
    p = await pipelineEnv(`placement-${registerKeyword}`, { routing: { registerKeyword } });
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    s = triageStack(p.config, redis);
    await appendAll(p.user, sampleMessages(count).map((m) => m.source));
    const uidValidity = await inboxUidValidity(p);
    for (let uid = 1; uid <= count; uid++) {
      const job: TriageJob = { mailbox: 'main', folder: 'INBOX', uidValidity, uid, internalDate: null };
      await triageMessage(job, s.deps);
    }
  });

  afterAll(async () => {
    await s?.close();
    redis?.disconnect();
    if (p) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  test('each register row records the UID the message really has in its folder', async () => {
    const inv = await inventory(p.user);
    expect(inv.filter((m) => m.folder === 'INBOX')).toEqual([]);
    expect(inv).toHaveLength(count);
    const items = s.deps.register.list({ limit: 100 });
    expect(items).toHaveLength(count);
    for (const it of items) {
      const [src] = s.deps.register.sourcesOf(it.id);
      expect(src!.folderUid).not.toBeNull();
      const there = inv.find((m) => m.folder === src!.folder && m.uid === src!.folderUid);
      expect(there?.messageId).toBe(it.messageId);
      // The keyword is there exactly when configured.
      expect(there!.keywords).toEqual(registerKeyword ? [keywordFor(it.registerNo)] : []);
    }
  });

  test('a crash between MOVE and its record: the retry finds the message by Message-ID and records it', async () => {
    const it = s.deps.register.list({ limit: 100 })[0]!;
    const [src] = s.deps.register.sourcesOf(it.id);
    const before = src!.folderUid;
    // As if the worker died right after the MOVE: the register never heard of it.
    s.deps.register.db.prepare('UPDATE sources SET folder = NULL, moved_at = NULL, folder_uid = NULL, folder_uidvalidity = NULL WHERE item_id = ?').run(it.id);
    const out = await triageMessage({ mailbox: 'main', folder: 'INBOX', uidValidity: src!.uidValidity, uid: src!.uid, internalDate: null }, s.deps);
    expect(out.status).not.toBe('vanished');
    const [again] = s.deps.register.sourcesOf(it.id);
    expect(again).toMatchObject({ folder: src!.folder, folderUid: before });
    expect(again!.movedAt).not.toBeNull();
    // Nothing doubled in the mailbox.
    expect(await inventory(p.user)).toHaveLength(count);
  });

  test('the dashboard reads and reassigns a message by its recorded UID and learns its new UID', async () => {
    const it = s.deps.register.list({ limit: 100 })[1]!;
    const [src] = s.deps.register.sourcesOf(it.id);
    const { client, delimiter } = await s.deps.imap.get('main');
    const source = await fetchRegistered(client, src!.folder!, hintFor(it, src!), 10_000_000);
    expect(source?.toString('latin1')).toContain(it.messageId!);
    const target = `Aiguillage${delimiter}${src!.folder!.endsWith('pcn') ? 'legislation' : 'pcn'}`;
    const moved = await moveTo(client, src!.folder!, target, hintFor(it, src!));
    expect(moved.kind).toBe('moved');
    const inv = await inventory(p.user);
    const placement = moved.kind === 'moved' ? moved.placement : null;
    expect(inv.find((m) => m.folder === target && m.uid === placement?.uid)?.messageId).toBe(it.messageId);
    // Moving again: it is no longer in the old folder, and is found in the target.
    const twice = await moveTo(client, src!.folder!, target, hintFor(it, src!));
    expect(twice.kind).toBe('already-there');
  });
});
