/**
 * The backbone end to end on a real Dovecot, a real Redis and a real SQLite file: every message ends
 * in exactly one folder with exactly one register row, nothing waits or fails in the queue, and a
 * second poller, a lost checkpoint or a re-sent copy never doubles anything.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { TRIAGE_QUEUE } from '../../src/queue';
import { createLogger } from '../../src/shared/logger';
import { appendAll, inventory, pipelineEnv, sampleMessages, waitFor, type PipelineEnv } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

const log = createLogger(process.env.AIG_TEST_LOG ?? 'warn');

/** A message over the size limit configured below, and a file that is not mail at all. */
function badMessages(): Buffer[] {
  const big = Buffer.from(
    'From: gros@example.org\r\nTo: courrier@cleiss.fr\r\nSubject: Pièce jointe énorme\r\nMessage-ID: <big.1@example.org>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\n' +
      'x'.repeat(400 * 1024) +
      '\r\n',
  );
  const garbage = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
  return [big, garbage];
}

async function jobCounts(p: PipelineEnv): Promise<Record<string, number>> {
  const conn = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const q = new Queue(TRIAGE_QUEUE, { connection: conn, prefix: p.prefix });
  try {
    return await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children');
  } finally {
    await q.close();
    conn.disconnect();
  }
}

describe('pipeline: IMAP → BullMQ → parse → classify → register → mailbox', () => {
  let p: PipelineEnv;
  const running: Running[] = [];

  beforeAll(async () => {
    p = await pipelineEnv('backbone', { limits: { maxMessageBytes: 200 * 1024 } });
  });

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  });

  test('routes 50+ varied messages: one folder and one register row each, dead letters kept in the error folder', async () => {
    const good = sampleMessages(52);
    const sources = [...good.map((g) => g.source), ...badMessages()];
    await appendAll(p.user, sources);
    const triage = await startTriage(p.config, log);
    running.push(triage);
    const poller = startPoller(p.config, log);
    running.push(poller);
    const register = triage.register!;
    await waitFor('every message registered and moved', () => register.counts().moved === sources.length, 90000);

    const inv = await inventory(p.user);
    expect(inv.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    expect(inv).toHaveLength(sources.length);
    const counts = register.counts();
    expect(counts).toMatchObject({ items: sources.length, sources: sources.length, moved: sources.length, errors: 2 });
    // Each message carries exactly one register keyword, and sits in the folder of its register row.
    for (const m of inv) {
      expect(m.keywords).toHaveLength(1);
      const item = register.getByNumber(m.keywords[0]);
      expect(item).not.toBeNull();
      const leaf = item!.status === 'error' ? 'Erreurs' : item!.status === 'to-review' ? 'secretariat' : item!.destination;
      // The server's hierarchy delimiter: '.' on a maildir Dovecot, '/' with sdbox (the harness).
      expect(m.folder).toBe(`Aiguillage${m.delimiter}${leaf}`);
      expect(register.sourcesOf(item!.id)).toHaveLength(1);
    }
    expect(new Set(inv.map((m) => m.keywords[0])).size).toBe(sources.length);
    // Every routed item explains itself; dead letters say why.
    for (const it of register.list({ limit: 1000 })) {
      if (it.status === 'error') expect(it.error).toMatch(/AIG_ERR_/);
      else expect(it.decision!.reasons.length).toBeGreaterThan(0);
      expect(register.history(it.id).map((h) => h.action)).toEqual(['registered', 'moved']);
    }
    const big = register.list({ status: 'error', limit: 10 }).find((i) => i.messageId === 'big.1@example.org');
    expect(big?.error).toMatch(/maxMessageBytes/);
    await waitFor('queue drained', async () => {
      const c = await jobCounts(p);
      return c.waiting + c.active + c.delayed + c.prioritized === 0;
    });
    expect((await jobCounts(p)).failed).toBe(0);
  });

  test('mail appended while running is picked up through IDLE', async () => {
    const register = running[0].register!;
    const before = register.counts().items;
    const poller = running[1].poller!;
    await waitFor('poller idling', () => poller.status().every((s) => s.idle));
    const more = sampleMessages(57).slice(52).map((s) => s.source);
    await appendAll(p.user, more);
    await waitFor('new messages routed', () => register.counts().moved === before + more.length, 30000).catch(async (e) => { console.log(register.counts(), await jobCounts(p), poller.status()); throw e; });
    expect(register.counts().items).toBe(before + more.length);
  });

  test('a second poller, a lost checkpoint and a re-sent copy create no duplicate', async () => {
    const register = running[0].register!;
    const before = register.counts();
    const redis = new Redis(testRedisUrl());
    await redis.del(`${p.prefix}:checkpoint:main`);
    redis.disconnect();
    const second = startPoller(p.config, log);
    running.push(second);
    await waitFor('second poller synced', () => second.poller!.status().every((s) => s.lastSync !== null));
    // The same mail again (same Message-ID and content, new UID): recognised, moved beside the first.
    const copy = sampleMessages(1)[0].source;
    await appendAll(p.user, [copy]);
    await waitFor('copy moved', () => register.counts().moved === before.moved + 1, 30000);
    const after = register.counts();
    expect(after.items).toBe(before.items);
    expect(after.sources).toBe(before.sources + 1);
    const inv = await inventory(p.user);
    expect(inv.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    const copies = inv.filter((m) => m.keywords[0] === inv.find((x) => x.messageId === copiesId(copy))!.keywords[0]);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.folder)).size).toBe(1);
  });
});

function copiesId(source: Buffer): string {
  const m = source.toString('latin1').match(/^Message-ID:\s*<([^>]+)>/im);
  if (!m) throw new Error('sample without Message-ID');
  return m[1];
}
