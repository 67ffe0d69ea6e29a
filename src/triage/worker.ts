import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { TRIAGE_QUEUE, type TriageJob } from '../queue';
import { errorMessage } from '../shared/errors';
import type { Metrics } from '../shared/metrics';
import { triageMessage, type TriageDeps, type TriageOutcome } from './process';

/**
 * The BullMQ worker around `triageMessage`. Permanent failures are handled inside (dead letter, error
 * folder); anything thrown here is transient (IMAP, Redis, SQLite busy) and BullMQ retries it with
 * the job's exponential backoff.
 */
export function createTriageWorker(
  deps: TriageDeps,
  connection: Redis,
  opts: { prefix: string; concurrency: number; lockDurationMs: number; stalledIntervalMs: number; autorun?: boolean; metrics?: Metrics },
): Worker<TriageJob, TriageOutcome> {
  const m = opts.metrics;
  const worker = new Worker<TriageJob, TriageOutcome>(
    TRIAGE_QUEUE,
    async (job: Job<TriageJob>) => {
      const stopTimer = m?.processing.startTimer();
      try {
        const out = await triageMessage(job.data, deps, job.attemptsMade);
        stopTimer?.();
        if (m && out.status !== 'vanished' && out.created) {
          if (out.status === 'dead-letter') m.deadLetters.inc();
          m.routed.inc({ destination: out.destination, status: out.itemStatus });
          if (job.data.internalDate) m.endToEnd.observe(Math.max(0, (Date.now() - Date.parse(job.data.internalDate)) / 1000));
        }
        return out;
      } catch (err) {
        m?.errors.inc();
        // Start the retry from a fresh IMAP connection (and a fresh folder cache: a destination
        // folder deleted while running is re-created).
        deps.imap.discard(job.data.mailbox);
        deps.log.warn({ jobId: job.id, attempt: job.attemptsMade + 1, err: errorMessage(err) }, 'triage failed; will retry');
        throw err;
      }
    },
    {
      connection,
      prefix: opts.prefix,
      // Jobs are mostly I/O, and TriageIO batches the FETCH / MOVE / commits of the jobs in flight:
      // many jobs in parallel (worker.concurrency, 128 by default; their source bytes bounded by
      // worker.maxInFlightBytes) make those batches, one core stays busy.
      concurrency: opts.concurrency,
      // A job whose worker died (SIGKILL) is taken back after this lock expires.
      lockDuration: opts.lockDurationMs,
      stalledInterval: opts.stalledIntervalMs,
      // After this many stalls (worker crashes while holding the job) the job fails for inspection.
      maxStalledCount: 3,
      autorun: opts.autorun ?? true,
    },
  );
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'worker error'));
  return worker;
}
