/**
 * At-least-once delivery: BullMQ hands a job to a second worker when the first one's lock expires
 * while it is still working (Redis restarted, or the event loop blocked by a SQLite busy wait longer
 * than lockDuration — both seen in `npm run soak`). Two workers then triage the same message at the
 * same time, each on its own IMAP session, and Dovecot's MOVE is not atomic across sessions: two
 * concurrent `UID MOVE` of one UID leave TWO copies in the destination. Found by the soak
 * (DAJ-…-000258 "is in 2 places"); reproduced here deterministically.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { loadAnalysis } from '../../src/app/analysis-deps';
import { ROOT_DIR } from '../../src/config/load';
import { loadOrganisation } from '../../src/config/organisation';
import { createDeadQueue, type TriageJob } from '../../src/queue';
import { Register } from '../../src/register/sqlite';
import { silentLogger } from '../../src/shared/logger';
import { ImapPool } from '../../src/triage/imap-pool';
import { TriageIO } from '../../src/triage/io';
import { triageMessage, type TriageDeps } from '../../src/triage/process';
import { appendAll, imapClient, sampleMessages } from '../helpers/pipeline';
import { cleanupRedisPrefix } from '../helpers/services';
import { expectClean } from './lib/assert';
import { faultEnv, type FaultEnv } from './lib/env';
import { figures, report } from './lib/figures';

jest.setTimeout(90000);

/** One worker's own stack: its register connection, IMAP session and batching, as in startTriage. */
function workerDeps(p: FaultEnv, redis: Redis): { deps: TriageDeps; close: () => Promise<void> } {
  const log = silentLogger();
  const { config } = p;
  const analysis = loadAnalysis(config, log);
  const register = new Register({ path: config.register.path, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
  const imap = new ImapPool(config.mailboxes, log);
  const deadQueue = createDeadQueue(redis, config.redis.prefix);
  const io = new TriageIO(imap, register, config.limits.maxMessageBytes);
  const organisation = loadOrganisation(path.join(ROOT_DIR, 'config', 'organisation.yaml'));
  const deps: TriageDeps = { config, organisation, register, imap, io, analyse: analysis.deps, deadQueue, log };
  return {
    deps,
    close: async () => {
      analysis.rules.stop();
      await imap.close();
      await deadQueue.close();
      register.close();
    },
  };
}

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
    const a = workerDeps(p, redis);
    const b = workerDeps(p, redis);
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
