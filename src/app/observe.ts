import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../config/schema';
import { TRIAGE_QUEUE } from '../queue';
import type { Logger } from '../shared/logger';
import { Metrics, serveMetrics, type Probe } from '../shared/metrics';
import { imapProbes, redisProbe } from '../shared/readiness';

export interface Observed {
  metrics: Metrics;
  /** Adds a readiness check, for a part started after observe() (the register of a triage worker). */
  addProbe(probe: Probe): void;
  close(): void;
}

/**
 * Metrics and health of a process running alone: /metrics, /healthz, /readyz on `metrics.port`
 * (nothing is served when it is 0). Readiness checks Redis, every IMAP server and, once added
 * (addProbe), the register.
 */
export function observe(kind: string, config: Readonly<Config>, log: Logger, extra: Probe[] = []): Observed {
  const metrics = new Metrics(kind);
  if (config.metrics.port === 0) return { metrics, addProbe: () => undefined, close: () => undefined };
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  const queue = new Queue(TRIAGE_QUEUE, { connection: redis, prefix: config.redis.prefix });
  const probes: Probe[] = [redisProbe(redis), ...imapProbes(config.mailboxes), ...extra];
  const server = serveMetrics(metrics, probes, {
    port: config.metrics.port,
    host: config.metrics.host,
    beforeScrape: async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
      for (const [state, n] of Object.entries(c)) metrics.queueDepth.set({ state }, n);
    },
  });
  server.on('listening', () => log.info({ port: config.metrics.port }, 'metrics and health endpoints listening'));
  server.on('error', (err) => log.error({ err: err.message }, 'metrics server failed'));
  return {
    metrics,
    addProbe: (probe) => void probes.push(probe),
    close: () => {
      server.close();
      void queue.close();
      redis.disconnect();
    },
  };
}
