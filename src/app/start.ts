import path from 'node:path';
import { loadConfig, ROOT_DIR, type LoadOptions } from '../config/load';
import { loadOrganisation } from '../config/organisation';
import type { Config } from '../config/schema';
import { checkPdfReader } from '../parse/pdf-check';
import { createDeadQueue } from '../queue';
import { Register } from '../register/sqlite';
import { createLogger, type Logger } from '../shared/logger';
import type { Metrics } from '../shared/metrics';
import { ByteBudget } from '../triage/byte-budget';
import { ImapPool } from '../triage/imap-pool';
import { TriageIO } from '../triage/io';
import { keywordWatch } from '../triage/keyword-watch';
import { createTriageWorker } from '../triage/worker';
import { loadAnalysis } from './analysis-deps';
import { createRedis } from './runtime';
import type { Running } from './running';

export type { Running } from './running';
export { startPoller } from './start-poller';

/** Start a triage worker: the model and rules are loaded before any job is taken. */
export async function startTriage(config: Readonly<Config>, log: Logger, metrics?: Metrics): Promise<Running & { register: Register }> {
  const analysis = loadAnalysis(config, log, { watchRules: true });
  const organisation = loadOrganisation(path.join(ROOT_DIR, 'config', 'organisation.yaml'));
  const register = new Register({ path: config.register.path, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
  const redis = createRedis(config);
  const deadQueue = createDeadQueue(redis, config.redis.prefix);
  const imap = new ImapPool(config.mailboxes, log);
  const budget = new ByteBudget(config.worker.maxInFlightBytes, (held, waiting) => {
    metrics?.sourceBytes.set(held);
    metrics?.jobsWaitingForBytes.set(waiting);
  });
  const io = new TriageIO(imap, register, config.limits.maxMessageBytes, undefined, keywordWatch(log, metrics), budget);
  const worker = createTriageWorker({ config, organisation, register, imap, io, analyse: analysis.deps, deadQueue, log }, redis, {
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    lockDurationMs: config.worker.lockDurationMs,
    stalledIntervalMs: config.worker.stalledIntervalMs,
    metrics,
  });
  log.info({ concurrency: config.worker.concurrency, maxInFlightBytes: config.worker.maxInFlightBytes }, 'triage worker started');
  // In the background: jobs are taken meanwhile (a PDF among them waits its turn in the thread).
  void checkPdfReader(analysis.deps.limits).then((r) => {
    if (r.ok) log.info({ ms: r.ms }, 'PDF reader ready');
    else log.error({ err: r.error }, 'PDF reader check failed: scanned letters will be registered and routed without their text');
  });
  return {
    config,
    log,
    register,
    async stop() {
      // close() waits for the jobs in hand to finish; their IMAP work needs the pool until then.
      await worker.close();
      analysis.rules.stop();
      await imap.close();
      await deadQueue.close();
      redis.disconnect();
      register.close();
    },
  };
}

export function loadRuntimeConfig(opts: LoadOptions = {}): { config: Readonly<Config>; log: Logger } {
  const config = loadConfig({ requirePassword: true, ...opts });
  return { config, log: createLogger(config.log.level) };
}
