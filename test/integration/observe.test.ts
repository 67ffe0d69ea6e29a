/** Metrics and health endpoints of a triage worker process running alone. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startPoller } from '../../src/app/start-poller';
import { findFreePort } from '../../src/services/ensure';
import { createLogger } from '../../src/shared/logger';
import { appendAll, pipelineEnv, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

const WORKER = path.join(__dirname, '..', '..', 'dist', 'workers', 'triage.js');

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

test('/metrics counts routed messages, /healthz and /readyz answer', async () => {
  const p = await pipelineEnv('observe');
  const port = await findFreePort();
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...p.env, METRICS_PORT: String(port) }, stdio: 'ignore' });
  const poller = startPoller(p.config, createLogger('warn'));
  try {
    await waitFor('metrics server up', async () => (await get(`http://127.0.0.1:${port}/healthz`).catch(() => ({ status: 0 }))).status === 200, 30000, 200);
    await appendAll(p.user, sampleMessages(3).map((s) => s.source));
    const routed = async () => {
      const body = (await get(`http://127.0.0.1:${port}/metrics`)).body;
      return [...body.matchAll(/^aiguillage_messages_routed_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    await waitFor('three routed in the metrics', async () => (await routed()) === 3, 30000, 200);
    const metrics = (await get(`http://127.0.0.1:${port}/metrics`)).body;
    expect(metrics).toMatch(/aiguillage_processing_seconds_count\{process="triage"\} \d+/);
    expect(metrics).toMatch(/aiguillage_queue_jobs\{state="completed",process="triage"\} 3/);
    // Every reservation given back once the three were registered.
    expect(metrics).toMatch(/^aiguillage_worker_source_bytes\{process="triage"\} 0$/m);
    expect(metrics).toMatch(/^aiguillage_worker_jobs_waiting_for_bytes\{process="triage"\} 0$/m);
    const ready = await get(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body).checks.map((c: { name: string; ok: boolean }) => `${c.name}:${c.ok}`)).toEqual(['redis:true', 'imap:main:true', 'register:true']);
  } finally {
    child.kill('SIGTERM');
    await poller.stop();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
