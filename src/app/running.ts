import type { Config } from '../config/schema';
import type { Poller } from '../ingest/poller';
import type { Register } from '../register/sqlite';
import type { Logger } from '../shared/logger';

/** A started process part (poller or triage worker) and how to stop it. */
export interface Running {
  config: Readonly<Config>;
  log: Logger;
  poller?: Poller;
  register?: Register;
  stop(): Promise<void>;
}
