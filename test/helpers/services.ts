/**
 * What integration tests use to reach the services started by global-setup.ts, without ever
 * touching data they did not create: a fresh queue prefix per test, a fresh Dovecot user, temp
 * files inside the run's directory, and a cleanup that deletes only one prefix's keys.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { addDovecotUser } from '../../src/services/dovecot';

/** Names of the variables global-setup.ts exports (jest --runInBand shares process.env). */
export const TEST_ENV = {
  redisUrl: 'AIG_TEST_REDIS_URL',
  imapHost: 'AIG_TEST_IMAP_HOST',
  imapPort: 'AIG_TEST_IMAP_PORT',
  dovecotDir: 'AIG_TEST_DOVECOT_DIR',
  runDir: 'AIG_TEST_RUN_DIR',
} as const;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the tests through jest (test/helpers/global-setup.ts starts the services)`);
  }
  return value;
}

function randomId(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

export function testRedisUrl(): string {
  return required(TEST_ENV.redisUrl);
}

/** A queue prefix no other test or run uses. No ':' inside: BullMQ joins prefix and name with it. */
export function testQueuePrefix(): string {
  return `aigtest-${process.pid}-${randomId()}`;
}

export interface ImapTestUser {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A fresh user (empty mailbox) in the harness's Dovecot. */
export async function newImapUser(): Promise<ImapTestUser> {
  const host = required(TEST_ENV.imapHost);
  const port = Number(required(TEST_ENV.imapPort));
  const user = `u${Date.now().toString(36)}${randomId(3)}`;
  const password = randomId(8);
  await addDovecotUser(required(TEST_ENV.dovecotDir), user, password);
  return { host, port, user, password };
}

/** Escape SCAN's glob characters so a prefix matches only itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Delete the keys `${prefix}:*` and nothing else: SCAN (never KEYS, never FLUSH) then UNLINK in
 * batches, so a shared developer Redis keeps everything that is not ours.
 */
export async function cleanupRedisPrefix(url: string, prefix: string): Promise<void> {
  if (prefix.trim() === '') throw new Error('cleanupRedisPrefix needs a non-empty prefix');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const match = `${globEscape(prefix)}:*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

let fallbackRunDir: string | undefined;

function runDir(): string {
  const fromSetup = process.env[TEST_ENV.runDir];
  if (fromSetup !== undefined && fromSetup !== '') return fromSetup;
  // Outside the harness (a test file run on its own through another config): our own temp dir.
  fallbackRunDir ??= mkdtempSync(join(tmpdir(), 'aig-test-'));
  return fallbackRunDir;
}

/**
 * A path named `name` inside a directory of its own within the run's temp dir (removed by the
 * global teardown), so two tests asking for "register.sqlite" never share a file.
 */
export function tempFile(name: string): string {
  if (name === '' || name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
    throw new Error(`tempFile expects a plain file name, got ${JSON.stringify(name)}`);
  }
  const base = join(runDir(), 'files');
  mkdirSync(base, { recursive: true });
  return join(mkdtempSync(join(base, 't-')), name);
}
