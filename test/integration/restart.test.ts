/**
 * A triage worker process killed with SIGKILL in the middle of a batch, then restarted: nothing lost,
 * nothing doubled. Uses the built worker (dist/, made by `npm test` before jest runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startPoller, type Running } from '../../src/app/start';
import { Register } from '../../src/register/sqlite';
import { createLogger } from '../../src/shared/logger';
import { appendAll, inventory, pipelineEnv, sampleMessages, waitFor, type PipelineEnv } from '../helpers/pipeline';
import { cleanupRedisPrefix, tempFile, testRedisUrl } from '../helpers/services';

const WORKER = path.join(__dirname, '..', '..', 'dist', 'workers', 'triage.js');

function spawnWorker(p: PipelineEnv, configFile: string): ChildProcess {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, ...p.env, AIGUILLAGE_CONFIG: configFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => undefined);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('worker killed mid-batch', () => {
  let p: PipelineEnv;
  let poller: Running | null = null;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run \`npm run build\` (npm test does it)`);
    p = await pipelineEnv('restart');
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await poller?.stop();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  });

  test('SIGKILL twice during a batch of 60: every message registered once and moved once', async () => {
    // Short job locks so that the jobs of the killed worker are taken back within seconds.
    const configFile = tempFile(`restart-${p.prefix}.yaml`);
    fs.writeFileSync(configFile, YAML.stringify({ worker: { concurrency: 2, lockDurationMs: 3000, stalledIntervalMs: 1000, backoffMs: 200 } }));
    const sources = sampleMessages(60).map((s) => s.source);
    await appendAll(p.user, sources);
    poller = startPoller(p.config, createLogger('warn'));
    const reader = () => new Register({ path: p.registerPath, numberPrefix: 'DAJ', replyDelayDays: 30 });
    let kills = 0;
    for (const threshold of [10, 30]) {
      const w = spawnWorker(p, configFile);
      children.push(w);
      await waitFor(`${threshold} registered`, () => fs.existsSync(p.registerPath) && countWith(reader, (c) => c.items) >= threshold, 60000, 20);
      w.kill('SIGKILL');
      // Killed in the middle of the batch, not after it.
      expect(countWith(reader, (c) => c.moved)).toBeLessThan(sources.length);
      await exited(w);
      kills++;
    }
    const last = spawnWorker(p, configFile);
    children.push(last);
    await waitFor('all moved', () => countWith(reader, (c) => c.moved) === sources.length, 90000, 200);
    const r = reader();
    try {
      expect(kills).toBe(2);
      expect(r.counts()).toMatchObject({ items: sources.length, sources: sources.length, moved: sources.length });
      const numbers = r.list({ limit: 1000 }).map((i) => i.registerNo).sort();
      // Gapless: 1..60 in this fresh register, whatever the kills interrupted.
      expect(numbers.map((n) => Number(n.slice(-6)))).toEqual(Array.from({ length: sources.length }, (_, i) => i + 1));
    } finally {
      r.close();
    }
    const inv = await inventory(p.user);
    expect(inv).toHaveLength(sources.length);
    expect(inv.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    expect(new Set(inv.map((m) => m.keywords.join(','))).size).toBe(sources.length);
    last.kill('SIGTERM');
    await exited(last);
    expect(last.exitCode).toBe(0);
  }, 180000);
});

function countWith(open: () => Register, pick: (c: ReturnType<Register['counts']>) => number): number {
  const r = open();
  try {
    return pick(r.counts());
  } finally {
    r.close();
  }
}
