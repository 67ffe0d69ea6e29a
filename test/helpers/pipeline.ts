/**
 * Helpers for pipeline integration tests: a configuration pointing at this run's services, a mailbox
 * inventory (which message is in which folder), and polling waits.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { loadConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { newImapUser, tempFile, testQueuePrefix, testRedisUrl, type ImapTestUser } from './services';

export interface PipelineEnv {
  user: ImapTestUser;
  prefix: string;
  registerPath: string;
  env: Record<string, string>;
  config: Readonly<Config>;
}

/** The environment a pipeline process of a test runs with (the documented overrides). */
export function pipelineVars(o: { user: ImapTestUser; prefix: string; registerPath: string; redisUrl?: string; imapPort?: number; logLevel?: string }): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl ?? testRedisUrl(),
    IMAP_HOST: o.user.host,
    IMAP_PORT: String(o.imapPort ?? o.user.port),
    IMAP_SECURE: 'false',
    IMAP_USER: o.user.user,
    IMAP_PASSWORD: o.user.password,
    IMAP_MAILBOX: 'INBOX',
    REGISTER_PATH: o.registerPath,
    AIG_REDIS_PREFIX: o.prefix,
    LOG_LEVEL: o.logLevel ?? 'warn',
  };
}

export async function pipelineEnv(name: string, overrides: Record<string, unknown> = {}): Promise<PipelineEnv> {
  const user = await newImapUser();
  const prefix = testQueuePrefix();
  const registerPath = tempFile(`${name}-${prefix}.sqlite`);
  const env = pipelineVars({ user, prefix, registerPath });
  const config = loadConfig({
    env,
    requirePassword: true,
    overrides: { poller: { sweepIntervalMs: 3000, reconnectMinMs: 200, reconnectMaxMs: 2000 }, worker: { backoffMs: 200 }, ...overrides },
  });
  return { user, prefix, registerPath, env, config };
}

export function imapClient(u: ImapTestUser): ImapFlow {
  return new ImapFlow({ host: u.host, port: u.port, secure: false, auth: { user: u.user, pass: u.password }, logger: false });
}

export async function appendAll(u: ImapTestUser, sources: Buffer[]): Promise<void> {
  const c = imapClient(u);
  await c.connect();
  try {
    for (const s of sources) await c.append('INBOX', s);
  } finally {
    await c.logout();
  }
}

export interface Placement {
  folder: string;
  delimiter: string;
  uid: number;
  messageId: string | null;
  keywords: string[];
}

/** Every message of every folder of the user's mailbox. */
export async function inventory(u: ImapTestUser): Promise<Placement[]> {
  const c = imapClient(u);
  await c.connect();
  const out: Placement[] = [];
  try {
    for (const f of await c.list()) {
      if (f.flags.has('\\Noselect')) continue;
      const lock = await c.getMailboxLock(f.path);
      try {
        if (!c.mailbox || c.mailbox.exists === 0) continue;
        const msgs = await c.fetchAll('1:*', { uid: true, envelope: true, flags: true });
        for (const m of msgs) {
          out.push({
            folder: f.path,
            delimiter: f.delimiter,
            uid: m.uid,
            messageId: m.envelope?.messageId?.replace(/^<|>$/g, '') ?? null,
            keywords: [...(m.flags ?? [])].filter((x) => !x.startsWith('\\')),
          });
        }
      } finally {
        lock.release();
      }
    }
  } finally {
    await c.logout();
  }
  return out;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

/** Varied sample messages shipped in the repo (labelled demo samples and held-out corpus). */
export function sampleMessages(count: number): { file: string; source: Buffer }[] {
  const root = path.join(__dirname, '..', '..', 'config');
  const files = ['samples', 'heldout']
    .map((d) => path.join(root, d))
    .filter((d) => fs.existsSync(d))
    .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.eml')).sort().map((f) => path.join(d, f)));
  if (files.length < count) throw new Error(`only ${files.length} sample messages in config/samples and config/heldout, need ${count}`);
  return files.slice(0, count).map((file) => ({ file, source: fs.readFileSync(file) }));
}
