/**
 * A backlog (here 150 messages waiting when the poller starts) is listed by a streamed FETCH and
 * enqueued in batches as the answers arrive, a small first batch so that the workers start at once:
 * every message gets exactly one job, the checkpoint ends on the last UID, and a second sync after
 * a restart adds nothing. The queue is a real BullMQ queue on the test Redis; its addBulk is wrapped
 * only to record the batch sizes it was given.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CheckpointStore } from '../../src/ingest/checkpoint';
import { Poller, type SyncInfo } from '../../src/ingest/poller';
import { TRIAGE_QUEUE, type TriageJob } from '../../src/queue';
import { createLogger } from '../../src/shared/logger';
import { appendAll, pipelineEnv, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

jest.setTimeout(90000);

const BACKLOG = 150;

test('a backlog is enqueued in batches while it is listed, each message once, and a restart adds nothing', async () => {
  const p = await pipelineEnv('backlog', { poller: { idle: true, sweepIntervalMs: 600_000 } });
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queue = new Queue<TriageJob>(TRIAGE_QUEUE, { connection: redis, prefix: p.prefix });
  const batches: number[] = [];
  const addBulk = queue.addBulk.bind(queue);
  queue.addBulk = (jobs) => {
    batches.push(jobs.length);
    return addBulk(jobs);
  };
  const checkpoints = new CheckpointStore(redis, p.prefix);
  const syncs: SyncInfo[] = [];
  const run = () => new Poller({ config: p.config, queue, checkpoints, log: createLogger('warn'), onSync: (_mb, info) => syncs.push(info) });
  const samples = sampleMessages(10).map((m) => m.source);
  await appendAll(p.user, Array.from({ length: BACKLOG }, (_, i) => samples[i % samples.length]!));
  let poller = run();
  try {
    poller.start();
    await waitFor('first sync', () => syncs.length >= 1, 30000);
    expect(syncs[0]).toMatchObject({ scanned: BACKLOG, enqueued: BACKLOG, full: true });
    // 64 first, then the rest: the first jobs were in the queue before the listing ended.
    expect(batches).toEqual([64, BACKLOG - 64]);
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    const uids = jobs.map((j) => j.data.uid).sort((a, b) => a - b);
    expect(uids).toEqual(Array.from({ length: BACKLOG }, (_, i) => i + 1));
    expect((await checkpoints.get(p.config.mailboxes[0]!.id))?.lastUid).toBe(BACKLOG);

    // A restart: the full sweep lists the folder again; the deterministic job ids make it a no-op.
    await poller.stop();
    syncs.length = 0;
    poller = run();
    poller.start();
    await waitFor('sync after restart', () => syncs.length >= 1, 30000);
    expect(syncs[0]).toMatchObject({ scanned: BACKLOG, full: true });
    expect(await queue.getJobCountByTypes('waiting', 'active', 'delayed', 'completed', 'failed')).toBe(BACKLOG);
  } finally {
    await poller.stop();
    await queue.close();
    redis.disconnect();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
