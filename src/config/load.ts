import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../shared/errors';
import { configSchema, type Config } from './schema';

/** Repository root (works from src/ under jest and from dist/src/ after the build). */
export const ROOT_DIR = findRoot(__dirname);

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'config', 'default.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

type Env = Record<string, string | undefined>;

function readYaml(file: string): unknown {
  try {
    return YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, arrays and scalars replace. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function parseBool(key: string, v: string): boolean {
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(`${key}: expected true or false, got "${v}"`);
}

function parsePort(key: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new ConfigError(`${key}: expected a port number, got "${v}"`);
  return Number(v);
}

/** Apply the documented environment overrides (single mailbox: they act on the first one). */
function applyEnv(raw: Record<string, any>, env: Env): void {
  if (env.REDIS_URL !== undefined) raw.redis = { ...raw.redis, url: env.REDIS_URL };
  if (env.REGISTER_PATH !== undefined) raw.register = { ...raw.register, path: env.REGISTER_PATH };
  if (env.LOG_LEVEL !== undefined) raw.log = { ...raw.log, level: env.LOG_LEVEL };
  if (env.METRICS_PORT !== undefined) raw.metrics = { ...raw.metrics, port: parsePort('METRICS_PORT', env.METRICS_PORT) };
  if (env.DROP_FOLDER !== undefined) raw.dropFolder = { ...raw.dropFolder, path: env.DROP_FOLDER };
  if (env.AIG_REDIS_PREFIX !== undefined) raw.redis = { ...raw.redis, prefix: env.AIG_REDIS_PREFIX };
  if (env.AIG_REGISTER_KEYWORD !== undefined) raw.routing = { ...raw.routing, registerKeyword: parseBool('AIG_REGISTER_KEYWORD', env.AIG_REGISTER_KEYWORD) };
  const mb = Array.isArray(raw.mailboxes) && raw.mailboxes.length > 0 ? { ...raw.mailboxes[0] } : {};
  if (env.IMAP_HOST !== undefined) mb.host = env.IMAP_HOST;
  if (env.IMAP_PORT !== undefined) mb.port = parsePort('IMAP_PORT', env.IMAP_PORT);
  if (env.IMAP_SECURE !== undefined) mb.secure = parseBool('IMAP_SECURE', env.IMAP_SECURE);
  if (env.IMAP_USER !== undefined) mb.user = env.IMAP_USER;
  if (env.IMAP_MAILBOX !== undefined) mb.folder = env.IMAP_MAILBOX;
  if (Array.isArray(raw.mailboxes) && raw.mailboxes.length > 0) raw.mailboxes = [mb, ...raw.mailboxes.slice(1)];
}

function formatIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

function resolvePaths(cfg: Config, root: string): void {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(root, p));
  cfg.register.path = abs(cfg.register.path);
  cfg.classify.rulesPath = abs(cfg.classify.rulesPath);
  cfg.classify.localRulesPath = abs(cfg.classify.localRulesPath);
  cfg.classify.modelPath = abs(cfg.classify.modelPath);
  cfg.index.sendersPath = abs(cfg.index.sendersPath);
  if (cfg.dropFolder.path !== '') cfg.dropFolder.path = abs(cfg.dropFolder.path);
}

export interface LoadOptions {
  env?: Env;
  /** Extra YAML files layered on top of config/default.yaml, in order. */
  files?: string[];
  /** Object layered last (tests, demo). */
  overrides?: Record<string, unknown>;
  /** Require the IMAP password to be present (the poller and worker do; the offline CLI does not). */
  requirePassword?: boolean;
  root?: string;
}

/**
 * Load, merge, validate and freeze the configuration once, at the edge. A wrong or missing setting
 * throws ConfigError naming the key and what is wrong with it.
 */
export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const env = opts.env ?? process.env;
  const root = opts.root ?? ROOT_DIR;
  let raw = readYaml(path.join(root, 'config', 'default.yaml'));
  const files = [...(opts.files ?? [])];
  if (env.AIGUILLAGE_CONFIG) files.push(env.AIGUILLAGE_CONFIG);
  for (const f of files) raw = deepMerge(raw, readYaml(f));
  if (opts.overrides) raw = deepMerge(raw, opts.overrides);
  const obj = structuredClone(raw) as Record<string, any>;
  applyEnv(obj, env);
  const parsed = configSchema.safeParse(obj);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${formatIssues(parsed.error.issues)}`);
  const cfg = parsed.data;
  cfg.mailboxes.forEach((mb, i) => {
    const pw = env[mb.passwordEnv];
    if (pw !== undefined && pw !== '') mb.password = pw;
    else if (mb.password === undefined && opts.requirePassword) {
      throw new ConfigError(`mailboxes.${i}.passwordEnv: environment variable ${mb.passwordEnv} is not set (IMAP password for ${mb.id})`);
    }
  });
  const ids = new Set<string>();
  cfg.mailboxes.forEach((mb, i) => {
    if (ids.has(mb.id)) throw new ConfigError(`mailboxes.${i}.id: duplicate mailbox id "${mb.id}"`);
    ids.add(mb.id);
  });
  resolvePaths(cfg, root);
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
