import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process (prom-client). Created at the edge and passed down; a process
 * that runs alone serves them on its own small port (`metrics.port`), the dashboard also mounts them.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly ingested = new Counter({ name: 'aiguillage_messages_offered_total', help: 'Jobs offered to the queue by the poller (a rescan offers known messages again; the queue deduplicates them by job id)', labelNames: ['mailbox'], registers: [this.registry] });
  readonly routed = new Counter({ name: 'aiguillage_messages_routed_total', help: 'Messages registered, by destination and status', labelNames: ['destination', 'status'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'aiguillage_dead_letters_total', help: 'Messages that could not be processed (kept in the error folder)', registers: [this.registry] });
  readonly errors = new Counter({ name: 'aiguillage_job_errors_total', help: 'Transient job failures (retried)', registers: [this.registry] });
  readonly corrections = new Counter({ name: 'aiguillage_corrections_total', help: 'Reassignments by a person', labelNames: ['from', 'to'], registers: [this.registry] });
  readonly processing = new Histogram({ name: 'aiguillage_processing_seconds', help: 'Time to process one job (fetch, analyse, register, move)', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly endToEnd = new Histogram({ name: 'aiguillage_end_to_end_seconds', help: 'Receipt (INTERNALDATE) to moved', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600], registers: [this.registry] });
  readonly imapConnected = new Gauge({ name: 'aiguillage_imap_connected', help: '1 when the poller is connected to the mailbox', labelNames: ['mailbox'], registers: [this.registry] });
  readonly imapIdle = new Gauge({ name: 'aiguillage_imap_idle', help: '1 when the poller waits in IDLE', labelNames: ['mailbox'], registers: [this.registry] });
  readonly lastPoll = new Gauge({ name: 'aiguillage_last_successful_poll_timestamp_seconds', help: 'Last successful sync of the mailbox', labelNames: ['mailbox'], registers: [this.registry] });
  readonly folderKeywords = new Gauge({ name: 'aiguillage_folder_keywords', help: 'IMAP keywords a destination folder holds (each new register keyword makes the server re-send them all: see README, Known limits)', labelNames: ['mailbox', 'folder'], registers: [this.registry] });
  readonly sourceBytes = new Gauge({ name: 'aiguillage_worker_source_bytes', help: 'Bytes of message sources the triage worker holds, from FETCH to register commit (bounded by worker.maxInFlightBytes)', registers: [this.registry] });
  readonly jobsWaitingForBytes = new Gauge({ name: 'aiguillage_worker_jobs_waiting_for_bytes', help: 'Jobs waiting for room under worker.maxInFlightBytes (large mail arriving faster than it is registered)', registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'aiguillage_queue_jobs', help: 'Jobs in the triage queue by state', labelNames: ['state'], registers: [this.registry] });

  constructor(process: string) {
    this.registry.setDefaultLabels({ process });
    collectDefaultMetrics({ register: this.registry });
  }
}

export interface Probe {
  name: string;
  check: () => Promise<void>;
}

/**
 * A tiny HTTP server for a process that runs alone: /metrics, /healthz (the process is alive) and
 * /readyz (each probe — Redis, IMAP, register — answers). Bound to loopback unless told otherwise.
 */
export function serveMetrics(metrics: Metrics, probes: Probe[], opts: { port: number; host: string; beforeScrape?: () => Promise<void> }): http.Server {
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.url === '/metrics') {
        await opts.beforeScrape?.().catch(() => undefined);
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      } else if (req.url === '/readyz') {
        const r = await readiness(probes);
        res.writeHead(r.httpStatus, { 'content-type': 'application/json' });
        res.end(JSON.stringify(r.body));
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.writeHead(500).end());
  });
  server.listen(opts.port, opts.host);
  server.unref();
  return server;
}

/** What /readyz answers, here and on the dashboard: 200 when every probe answers, else 503. */
export async function readiness(probes: Probe[]): Promise<{ httpStatus: 200 | 503; body: { status: 'ready' | 'not-ready'; checks: Awaited<ReturnType<typeof runProbes>> } }> {
  const checks = await runProbes(probes);
  const ok = checks.every((c) => c.ok);
  return { httpStatus: ok ? 200 : 503, body: { status: ok ? 'ready' : 'not-ready', checks } };
}

export async function runProbes(probes: Probe[], timeoutMs = 3000): Promise<{ name: string; ok: boolean; error?: string }[]> {
  return Promise.all(
    probes.map(async (p) => {
      try {
        await Promise.race([p.check(), new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs).unref())]);
        return { name: p.name, ok: true };
      } catch (err) {
        return { name: p.name, ok: false, error: (err as Error).message };
      }
    }),
  );
}
