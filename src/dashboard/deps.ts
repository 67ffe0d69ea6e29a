import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Model } from '../classify';
import type { Organisation } from '../config/organisation';
import type { Config } from '../config/schema';
import type { DeadLetter, TriageJob } from '../queue';
import type { Register } from '../register/sqlite';
import type { Logger } from '../shared/logger';
import type { AnalyseDeps } from '../triage/analyse';
import type { ImapPool } from '../triage/imap-pool';
import type { RetrainJob } from './retrain';
import type { Role, UserStore } from './users';
import type { Metrics } from '../shared/metrics';

/** Everything the dashboard app needs, created in workers/ (or a test) and passed in: nothing
 *  connects at import time, and tests build the app on their own Redis, SQLite and Dovecot. */
export interface DashboardDeps {
  config: Readonly<Config>;
  register: Register;
  organisation: Organisation;
  users: UserStore;
  log: Logger;
  redis: Redis;
  triageQueue: Queue<TriageJob>;
  deadQueue: Queue<DeadLetter>;
  retrainQueue: Queue<RetrainJob>;
  imap: ImapPool;
  /** Parse/index limits, sender directory and the classifier in force (rule tests). */
  analysis: AnalyseDeps;
  /** The model in force (candidate rules are tested with it). */
  model: () => Model;
  paths: DashboardPaths;
  /** Prometheus metrics of this process (corrections), served at /metrics. */
  metrics: Metrics;
}

export interface DashboardPaths {
  rulesPath: string;
  localRulesPath: string;
  modelPath: string;
  modelVersionsDir: string;
  trainingDir: string;
}

/** Who may open a route. 'public' is for the login page and static files only. */
export type Access = 'public' | readonly Role[];

export const SECRETARIAT: readonly Role[] = ['secretariat', 'supervisor', 'admin'];
export const SUPERVISOR: readonly Role[] = ['supervisor', 'admin'];
export const ADMIN: readonly Role[] = ['admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    user: { name: string; role: Role; csrf: string } | null;
  }
}
