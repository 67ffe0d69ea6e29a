/**
 * A pipeline environment for fault scenarios: like test/helpers/pipeline.ts `pipelineEnv`, but the
 * Redis, the IMAP user and the address the pipeline dials (a proxy) can each be chosen, and the
 * same settings are written to a YAML file for the child processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/schema';
import { pipelineVars } from '../../helpers/pipeline';
import { newImapUser, tempFile, testQueuePrefix, type ImapTestUser } from '../../helpers/services';

export interface FaultEnv {
  name: string;
  user: ImapTestUser;
  prefix: string;
  registerPath: string;
  /** Environment for child processes (dist/workers/*.js) and for loadConfig. */
  env: Record<string, string>;
  config: Readonly<Config>;
  configFile: string;
}

export interface FaultEnvOptions {
  redisUrl?: string;
  user?: ImapTestUser;
  /** Where the pipeline connects for IMAP (a TcpProxy port); the test itself talks to `user.port`. */
  imapPort?: number;
  registerPath?: string;
  logLevel?: string;
  overrides?: Record<string, unknown>;
}

/** Fast recovery settings: short job locks so a killed worker's jobs come back within seconds. */
export const FAST = {
  poller: { sweepIntervalMs: 2000, reconnectMinMs: 200, reconnectMaxMs: 1000 },
  worker: { concurrency: 3, lockDurationMs: 3000, stalledIntervalMs: 1000, backoffMs: 200, attempts: 25 },
};

export async function faultEnv(name: string, opts: FaultEnvOptions = {}): Promise<FaultEnv> {
  const user = opts.user ?? (await newImapUser());
  const prefix = testQueuePrefix();
  const registerPath = opts.registerPath ?? tempFile(`${name}-${prefix}.sqlite`);
  const env = pipelineVars({ user, prefix, registerPath, redisUrl: opts.redisUrl, imapPort: opts.imapPort, logLevel: opts.logLevel });
  const overrides = merge(FAST, opts.overrides ?? {});
  const configFile = path.join(path.dirname(tempFile(`${name}.yaml`)), `${name}.yaml`);
  fs.writeFileSync(configFile, YAML.stringify(overrides));
  env.AIGUILLAGE_CONFIG = configFile;
  const config = loadConfig({ env, requirePassword: true, overrides });
  return { name, user, prefix, registerPath, env, config, configFile };
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObj(prev) && isObj(v) ? merge(prev, v) : v;
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
