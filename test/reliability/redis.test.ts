/**
 * Scenario 2: Redis crashes (SIGKILL) in the middle of a batch, under a poller process and a worker
 * process. With AOF (fsync always) it comes back with its jobs and checkpoint; without persistence
 * it comes back EMPTY: the lost checkpoint and the lost jobs must be recovered from the mailbox by
 * the poller's sweep, and the register must keep a message from being registered twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertRunning, killChild, POLLER_JS, PrivateRedis, spawnEntry, WORKER_JS, type Child } from '../helpers/faults';
import { appendAll, sampleMessages, waitFor } from '../helpers/pipeline';
import { TEST_ENV } from '../helpers/services';
import { faultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { figures, registerCounts, report, settle } from './lib/figures';

const COUNT = 40;

jest.setTimeout(100000);

describe('reliability: Redis restarted mid-batch', () => {
  const redises: PrivateRedis[] = [];
  const children: Child[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => killChild(c)));
    await Promise.all(redises.map((r) => r.stop()));
  });

  async function scenario(label: string, aof: boolean, offset: number): Promise<void> {
    const dir = path.join(process.env[TEST_ENV.runDir] ?? '/tmp', `redis-${aof ? 'aof' : 'empty'}-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const redis = await PrivateRedis.start(dir, { aof });
    redises.push(redis);
    const p = await faultEnv(`redis-${aof ? 'aof' : 'empty'}`, { redisUrl: redis.url });
    const sources = sampleMessages(COUNT + offset).slice(offset).map((s) => s.source);
    await appendAll(p.user, sources);
    const poller = spawnEntry(POLLER_JS, p.env);
    const worker = spawnEntry(WORKER_JS, p.env);
    children.push(poller, worker);
    await waitFor('a third registered', () => (assertRunning([poller, worker]), registerCounts(p.registerPath).items >= COUNT / 3), 60000, 20);
    await redis.restart(1500);
    const movedAtRestart = registerCounts(p.registerPath).moved;
    await waitFor('more registered after the restart', () => registerCounts(p.registerPath).items > movedAtRestart, 60000, 100).catch(() => undefined);
    await settle(p.registerPath, COUNT, 60000);
    const f = await figures(p.user, p.registerPath, COUNT);
    report(label, f, { movedAtRestart });
    expect(movedAtRestart).toBeLessThan(COUNT);
    expect(poller.alive() && worker.alive()).toBe(true);
    expectClean(f);
    await Promise.all([killChild(poller, 'SIGTERM'), killChild(worker, 'SIGTERM')]);
  }

  test('Redis with AOF killed and restarted: nothing lost, nothing doubled', async () => {
    await scenario('redis SIGKILL + restart (AOF)', true, 0);
  });

  test('Redis restarted EMPTY: checkpoint and jobs lost, recovered by the sweep, no duplicates', async () => {
    await scenario('redis SIGKILL + restart EMPTY', false, 40);
  });
});
