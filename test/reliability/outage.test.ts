/**
 * An IMAP outage longer than the jobs' retry budget: every job in hand exhausts its attempts and
 * fails. When IMAP comes back, the poller's sweep still sees the messages in the watched folder and
 * enqueues them again under the same deterministic job ids — which BullMQ silently ignores while the
 * failed jobs exist. Unless the sweep revives them, the messages wait in INBOX for ever: never
 * registered, never routed (a loss of triage, even though the mail itself is still there).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { TRIAGE_QUEUE } from '../../src/queue';
import { createLogger } from '../../src/shared/logger';
import { TcpProxy } from '../helpers/faults';
import { appendAll, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, newImapUser } from '../helpers/services';
import { expectClean } from './lib/assert';
import { faultEnv, type FaultEnv } from './lib/env';
import { figures, report, settle } from './lib/figures';

jest.setTimeout(90000);

const log = createLogger(process.env.AIG_TEST_LOG ?? 'silent');

describe('reliability: IMAP outage longer than the retry budget', () => {
  const running: Running[] = [];
  let p: FaultEnv | null = null;
  let proxy: TcpProxy | null = null;
  let conn: Redis | null = null;

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await proxy?.close();
    conn?.disconnect();
    if (p) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  test('failed jobs are taken up again by the sweep once IMAP is back', async () => {
    const user = await newImapUser();
    proxy = await TcpProxy.start(user.host, user.port);
    // 3 attempts 100 ms apart: the budget is spent within a second of outage.
    p = await faultEnv('outage', { user, imapPort: proxy.port, overrides: { worker: { attempts: 3, backoffMs: 100 } } });
    const count = 12;
    await appendAll(user, sampleMessages(count).map((s) => s.source));
    conn = new Redis(p.env.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(TRIAGE_QUEUE, { connection: conn, prefix: p.prefix });
    running.push(startPoller(p.config, log));
    await waitFor('jobs enqueued', async () => (await queue.getJobCounts('waiting')).waiting === count, 30000, 50);
    // IMAP goes away (existing connections cut, new ones refused), then the worker starts.
    proxy.block(true);
    proxy.cutAll();
    running.push(await startTriage(p.config, log));
    await waitFor('every job failed', async () => (await queue.getJobCounts('failed')).failed === count, 30000, 100);
    proxy.block(false);
    // The sweep runs every 2 s here: give it several rounds.
    await settle(p.registerPath, count, 15000);
    const f = await figures(user, p.registerPath, count);
    report('imap outage longer than the retry budget', f, { failedJobsAfter: (await queue.getJobCounts('failed')).failed });
    await queue.close();
    expectClean(f);
  });
});
