/**
 * Jest globalSetup: make sure Redis and an IMAP server exist for the integration tests (see
 * src/services/). Redis: $REDIS_URL or redis://127.0.0.1:6379 when it answers, else a private
 * redis-server. IMAP: always a private Dovecot in this run's temp dir, because tests create users.
 * Results reach the test files through process.env (jest --runInBand shares the process); the
 * handles stay on globalThis for global-teardown.ts.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DovecotService, startDovecot, stopStaleDovecot } from '../../src/services/dovecot';
import { findOrInstall, processAlive, redactUrl } from '../../src/services/ensure';
import { DEFAULT_REDIS_URL, type RedisService, ensureRedis, stopStaleRedis } from '../../src/services/redis';
import { TEST_ENV } from './services';

export interface TestServices {
  redis: RedisService;
  dovecot: DovecotService;
  runDir: string;
}

/** Key on globalThis shared with global-teardown.ts (same process, same context). */
export const SERVICES_KEY = '__aiguillageTestServices';

const log = (msg: string): void => {
  process.stderr.write(`[test services] ${msg}\n`);
};

const RUN_DIR_PATTERN = /^aig-test-(\d+)-/;

/**
 * A run interrupted before its teardown (Ctrl-C, a killed CI job) leaves its Dovecot, maybe a
 * redis-server, and its temp dir behind. The run dir carries the jest pid: when that process is
 * gone, end what was started in it (each stop checks the process is really ours) and remove it.
 */
async function sweepInterruptedRuns(): Promise<void> {
  for (const entry of readdirSync(tmpdir())) {
    const match = RUN_DIR_PATTERN.exec(entry);
    if (match === null || processAlive(Number(match[1]))) continue;
    const dir = join(tmpdir(), entry);
    const stopped = await Promise.all([stopStaleDovecot(join(dir, 'dovecot')), stopStaleRedis(join(dir, 'redis'))]);
    if (stopped.some(Boolean)) log(`stopped services left by an interrupted run in ${dir}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  await sweepInterruptedRuns();
  const runDir = mkdtempSync(join(tmpdir(), `aig-test-${process.pid}-`));
  // Dovecot's mail processes (another uid when we are root) must be able to enter the run dir.
  chmodSync(runDir, 0o711);
  // Installing packages is allowed (root on Debian only); AIG_NO_INSTALL=1 forbids it.
  const allowInstall = process.env.AIG_NO_INSTALL !== '1';
  // The browser tests drive Debian's Chromium (playwright-core never downloads one).
  await findOrInstall('chromium', 'chromium', { allowInstall, why: 'The dashboard tests need a headless Chromium.', log });
  const [redis, dovecot] = await Promise.allSettled([
    ensureRedis({ url: process.env.REDIS_URL ?? DEFAULT_REDIS_URL, dir: join(runDir, 'redis'), log, allowInstall }),
    startDovecot({ dir: join(runDir, 'dovecot'), log, allowInstall }),
  ]);
  if (redis.status === 'rejected' || dovecot.status === 'rejected') {
    if (redis.status === 'fulfilled') await redis.value.stop();
    if (dovecot.status === 'fulfilled') await dovecot.value.stop();
    rmSync(runDir, { recursive: true, force: true });
    throw redis.status === 'rejected' ? redis.reason : (dovecot as PromiseRejectedResult).reason;
  }
  const services: TestServices = { redis: redis.value, dovecot: dovecot.value, runDir };
  (globalThis as Record<string, unknown>)[SERVICES_KEY] = services;
  process.env[TEST_ENV.redisUrl] = services.redis.url;
  process.env[TEST_ENV.imapHost] = services.dovecot.host;
  process.env[TEST_ENV.imapPort] = String(services.dovecot.port);
  process.env[TEST_ENV.dovecotDir] = services.dovecot.dir;
  process.env[TEST_ENV.runDir] = runDir;
  const redisKind = services.redis.started ? 'private redis-server' : 'existing';
  log(
    `Redis ${redactUrl(services.redis.url)} (${redisKind}), Dovecot ${services.dovecot.host}:${services.dovecot.port} ` +
      `(private, ${services.dovecot.dir}) ready in ${Date.now() - started} ms`,
  );
}
