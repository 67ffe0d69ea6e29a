/**
 * At-least-once delivery: BullMQ hands a job to a second worker when the first one's lock expires
 * while it is still working (Redis restarted, or the event loop blocked by a SQLite busy wait longer
 * than lockDuration — both seen in `npm run soak`). Two workers then triage the same message at the
 * same time, each on its own IMAP session, and Dovecot's MOVE is not atomic across sessions: two
 * concurrent `UID MOVE` of one UID leave TWO copies in the destination. Found by the soak
 * (DAJ-…-000258 "is in 2 places"); reproduced here deterministically.
 */
import { Redis } from 'ioredis';
import type { TriageJob } from '../../src/queue';
import { triageMessage } from '../../src/triage/process';
import { triageStack } from '../helpers/triage-stack';
import { appendAll, imapClient, sampleMessages } from '../helpers/pipeline';
import { cleanupRedisPrefix } from '../helpers/services';
import { expectClean } from './lib/assert';
import { faultEnv, type FaultEnv } from './lib/env';
import { figures, report } from './lib/figures';

jest.setTimeout(90000);

describe('reliability: the same job delivered to two workers at once', () => {
  let p: FaultEnv | null = null;
  let redis: Redis | null = null;
  const closers: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const c of closers) await c();
    redis?.disconnect();
    if (p) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  test('two concurrent triages of each message: one register row, one copy in one folder', async () => {
    p = await faultEnv('double');
    redis = new Redis(p.env.REDIS_URL, { maxRetriesPerRequest: null });
    const count = 20;
    await appendAll(p.user, sampleMessages(count).map((s) => s.source));
    const c = imapClient(p.user);
    await c.connect();
    const box = await c.mailboxOpen('INBOX');
    const uidValidity = String(box.uidValidity);
    await c.logout();
    const a = triageStack(p.config, redis);
    const b = triageStack(p.config, redis);
    closers.push(a.close, b.close);
    for (let uid = 1; uid <= count; uid++) {
      const job: TriageJob = { mailbox: 'main', folder: 'INBOX', uidValidity, uid, internalDate: null };
      // Both deliveries run to completion (or fail transiently, as BullMQ would then retry).
      const runs = await Promise.allSettled([triageMessage(job, a.deps, 0), triageMessage(job, b.deps, 0)]);
      if (runs.every((r) => r.status === 'rejected')) await triageMessage(job, a.deps, 1);
    }
    const f = await figures(p.user, p.registerPath, count);
    report('same job on two workers at once', f);
    expectClean(f);
  });
});
