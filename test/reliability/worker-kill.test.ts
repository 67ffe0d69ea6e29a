/**
 * Scenario 1: two triage worker processes in parallel, SIGKILLed three times in the middle of a
 * batch (each kill hits a worker holding jobs), restarted each time. The real entrypoint
 * (dist/workers/triage.js), a real Redis, Dovecot and SQLite file.
 */
import { startPoller, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { assertRunning, killChild, spawnEntry, WORKER_JS, type Child } from '../helpers/faults';
import { appendAll, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix } from '../helpers/services';
import { faultEnv, type FaultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { figures, registerCounts, report, settle } from './lib/figures';

const COUNT = 60;

jest.setTimeout(150000);

describe('reliability: triage workers SIGKILLed mid-batch', () => {
  let p: FaultEnv;
  let poller: Running | null = null;
  const children: Child[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => killChild(c)));
    await poller?.stop();
    if (p) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  test('3 kills across 2 parallel workers: every message registered once, in one folder', async () => {
    // info: the workers say when they are started (a SIGTERM before that is not a clean stop).
    p = await faultEnv('kill', { logLevel: 'info', overrides: { worker: { concurrency: 2 } } });
    const sources = sampleMessages(COUNT).map((s) => s.source);
    await appendAll(p.user, sources);
    poller = startPoller(p.config, createLogger('warn'));
    const workers: Child[] = [spawnEntry(WORKER_JS, p.env), spawnEntry(WORKER_JS, p.env)];
    children.push(...workers);
    let kills = 0;
    // Kill points spread over the batch; alternate the victim so both slots are hit.
    for (const threshold of [8, 22, 38]) {
      await waitFor(`${threshold} registered`, () => (assertRunning(workers), registerCounts(p.registerPath).items >= threshold), 60000, 20);
      const slot = kills % 2;
      await killChild(workers[slot]);
      kills++;
      expect(registerCounts(p.registerPath).moved).toBeLessThan(COUNT);
      workers[slot] = spawnEntry(WORKER_JS, p.env);
      children.push(workers[slot]);
    }
    await settle(p.registerPath, COUNT, 90000);
    const f = await figures(p.user, p.registerPath, COUNT);
    report('worker SIGKILL x3, 2 workers', f, { kills });
    expect(kills).toBe(3);
    expectClean(f);
    // A clean stop after all that: SIGTERM ends both workers with exit code 0.
    await waitFor('both workers started', () => workers.every((w) => w.output().includes('triage worker started')), 30000, 100);
    // The compiled entrypoint finds the PDF thread's script (src/parse/pdf-worker.mjs beside dist/).
    await waitFor('both PDF readers checked', () => workers.every((w) => /PDF reader (ready|check failed)/.test(w.output())), 30000, 100);
    for (const w of workers) expect(w.output()).toContain('PDF reader ready');
    for (const w of workers) w.proc.kill('SIGTERM');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes.map((c) => c.code)).toEqual([0, 0]);
  });
});
