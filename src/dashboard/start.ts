import fs from 'node:fs';
import path from 'node:path';
import { Queue, type Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { loadModel, type Model } from '../classify';
import { indexDepsFromConfig } from '../classify/model/corpus';
import { loadAnalysis } from '../app/analysis-deps';
import { createRedis } from '../app/runtime';
import { ROOT_DIR } from '../config/load';
import { loadOrganisation } from '../config/organisation';
import type { Config } from '../config/schema';
import { createDeadQueue, createTriageQueue } from '../queue';
import { Register } from '../register/sqlite';
import type { Logger } from '../shared/logger';
import { Metrics } from '../shared/metrics';
import { ImapPool } from '../triage/imap-pool';
import { buildApp } from './app';
import type { DashboardDeps, DashboardPaths } from './deps';
import { createRetrainWorker, RETRAIN_QUEUE, type RetrainJob } from './retrain';
import { UserStore } from './users';

export interface RunningDashboard {
  app: FastifyInstance;
  deps: DashboardDeps;
  url: string;
  retrainWorker: Worker<RetrainJob>;
  stop(): Promise<void>;
}

const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(ROOT_DIR, p));

export function dashboardPaths(config: Readonly<Config>): DashboardPaths {
  return {
    rulesPath: config.classify.rulesPath,
    localRulesPath: config.classify.localRulesPath,
    modelPath: config.classify.modelPath,
    modelVersionsDir: abs(config.dashboard.modelVersionsDir),
    trainingDir: abs(config.dashboard.trainingDir),
  };
}

/** The model in force, re-read when its file changes (an admin activated a version). */
function modelGetter(file: string): () => Model {
  let stamp = '';
  let model: Model | null = null;
  return () => {
    const s = fs.statSync(file);
    const now = `${s.mtimeMs}:${s.size}`;
    if (!model || now !== stamp) (model = loadModel(file)), (stamp = now);
    return model;
  };
}

/** The dashboard's dependencies (connections opened here, at the edge), and how to close them. */
export function createDashboardDeps(config: Readonly<Config>, log: Logger, opts: { usersPath?: string; metrics?: Metrics } = {}): { deps: DashboardDeps; close: () => Promise<void> } {
  const analysis = loadAnalysis(config, log, { watchRules: true });
  const paths = dashboardPaths(config);
  const register = new Register({ path: config.register.path, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
  const redis = createRedis(config);
  const prefix = config.redis.prefix;
  const deps: DashboardDeps = {
    config,
    register,
    organisation: loadOrganisation(path.join(ROOT_DIR, 'config', 'organisation.yaml')),
    users: new UserStore(opts.usersPath ?? abs(config.dashboard.usersPath)),
    log,
    redis,
    triageQueue: createTriageQueue(redis, prefix, config.worker.attempts, config.worker.backoffMs),
    deadQueue: createDeadQueue(redis, prefix),
    retrainQueue: new Queue<RetrainJob>(RETRAIN_QUEUE, { connection: redis, prefix }),
    imap: new ImapPool(config.mailboxes, log),
    analysis: analysis.deps,
    model: modelGetter(paths.modelPath),
    paths,
    metrics: opts.metrics ?? new Metrics('dashboard'),
  };
  deps.model(); // a missing or broken model stops start-up here, loudly
  return {
    deps,
    async close() {
      analysis.rules.stop();
      await deps.imap.close();
      await Promise.all([deps.triageQueue.close(), deps.deadQueue.close(), deps.retrainQueue.close()]);
      redis.disconnect();
      register.close();
    },
  };
}

/** Start the dashboard: the web app, and the retrain worker in the same process. */
export async function startDashboard(config: Readonly<Config>, log: Logger, opts: { usersPath?: string; port?: number; metrics?: Metrics } = {}): Promise<RunningDashboard> {
  const { deps, close } = createDashboardDeps(config, log, opts);
  const { paths } = deps;
  const workerRedis = createRedis(config);
  const retrainWorker = createRetrainWorker(
    {
      register: deps.register,
      rulePaths: [paths.rulesPath, paths.localRulesPath],
      modelPath: paths.modelPath,
      trainingDir: paths.trainingDir,
      versionsDir: paths.modelVersionsDir,
      indexDeps: indexDepsFromConfig(config),
      threshold: config.classify.threshold,
      reviewMargin: config.classify.reviewMargin,
      destinationThresholds: config.classify.destinationThresholds,
    },
    workerRedis,
    config.redis.prefix,
    log,
  );
  const app = await buildApp(deps);
  const address = await app.listen({ host: config.dashboard.host, port: opts.port ?? config.dashboard.port });
  log.info({ address }, 'dashboard listening');
  return {
    app,
    deps,
    url: address,
    retrainWorker,
    async stop() {
      await app.close();
      await retrainWorker.close();
      workerRedis.disconnect();
      await close();
    },
  };
}
