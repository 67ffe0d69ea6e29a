/**
 * Without IDLE (server without it, or `poller.idle: false`), new mail is still picked up between polls:
 * a NOOP every `noopIntervalMs` makes the server report it. The poll interval here is 10 minutes, so a
 * job appearing at all proves the NOOP path (the bound below is a deadline, not a speed measurement).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startPoller } from '../../src/app/start-poller';
import { TRIAGE_QUEUE, type TriageJob } from '../../src/queue';
import { createLogger } from '../../src/shared/logger';
import { appendAll, pipelineEnv, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

jest.setTimeout(60000);

test('without IDLE, a NOOP fast poll enqueues new mail long before the next poll', async () => {
  const p = await pipelineEnv('noop', { poller: { idle: false, pollIntervalMs: 600_000, sweepIntervalMs: 600_000, noopIntervalMs: 200 } });
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queue = new Queue<TriageJob>(TRIAGE_QUEUE, { connection: redis, prefix: p.prefix });
  const poller = startPoller(p.config, createLogger('warn'));
  try {
    const [first, second] = sampleMessages(2).map((m) => m.source);
    await appendAll(p.user, [first!]);
    // The first sync (at start) or the fast poll finds the first message.
    await waitFor('first job', async () => (await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')) === 1, 20000);
    // Then the poller sits between polls: only a NOOP can reveal the second one.
    await appendAll(p.user, [second!]);
    await waitFor('second job', async () => (await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')) === 2, 20000);
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(jobs.map((j) => j.data.uid).sort()).toEqual([1, 2]);
  } finally {
    await poller.stop();
    await queue.close();
    redis.disconnect();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
