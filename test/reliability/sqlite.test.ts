/**
 * Scenario 4: the register file under stress. Another process holds `BEGIN EXCLUSIVE` for 3 s in the
 * middle of a batch; then the register's disk fills up (a small tmpfs, filled by another file) and
 * is freed again. Both must end with every message registered once and moved once.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { holdExclusiveLock } from '../helpers/faults';
import { appendAll, inventory, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, TEST_ENV } from '../helpers/services';
import { faultEnv, type FaultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { figures, registerCounts, report, settle } from './lib/figures';

const log = createLogger(process.env.AIG_TEST_LOG ?? 'silent');

jest.setTimeout(100000);

describe('reliability: SQLite register locked, disk full', () => {
  const running: Running[] = [];
  const envs: FaultEnv[] = [];
  let mountDir: string | null = null;

  async function start(p: FaultEnv): Promise<void> {
    envs.push(p);
    running.push(await startTriage(p.config, log), startPoller(p.config, log));
  }

  async function stopAll(): Promise<void> {
    while (running.length > 0) await running.pop()!.stop();
  }

  afterAll(async () => {
    await stopAll();
    for (const p of envs) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
    if (mountDir) unmount(mountDir);
  });

  test('register locked by another process for 3 s (BEGIN EXCLUSIVE): writers wait, nothing lost', async () => {
    const p = await faultEnv('sqlite-lock');
    const count = 30;
    await appendAll(p.user, sampleMessages(count).map((s) => s.source));
    await start(p);
    await waitFor('a few registered', () => registerCounts(p.registerPath).items >= 5, 60000, 20);
    const lockedAt = Date.now();
    const { released } = await holdExclusiveLock(p.registerPath, 3000);
    const duringLock = registerCounts(p.registerPath).items;
    await released;
    const heldMs = Date.now() - lockedAt;
    await settle(p.registerPath, count, 60000);
    const f = await figures(p.user, p.registerPath, count);
    report('register locked 3 s by another process', f, { heldMs, registeredWhenLocked: duringLock });
    expect(heldMs).toBeGreaterThanOrEqual(2900);
    expectClean(f);
    await stopAll();
  });

  test('register file deleted under a running worker: nothing leaves the inbox until the worker is restarted', async () => {
    const p = await faultEnv('sqlite-gone');
    const sources = sampleMessages(40).map((s) => s.source);
    await appendAll(p.user, sources.slice(0, 10));
    await start(p);
    await settle(p.registerPath, 10, 60000);
    for (const f of [p.registerPath, `${p.registerPath}-wal`, `${p.registerPath}-shm`]) fs.rmSync(f, { force: true });
    await appendAll(p.user, sources.slice(30, 35));
    // Jobs for the new messages run and fail (the register refuses to write into the unlinked file),
    // several attempts over these seconds; the messages must stay where they arrived.
    await new Promise((r) => setTimeout(r, 4000));
    const inbox = (await inventory(p.user)).filter((m) => m.folder === 'INBOX');
    expect(inbox).toHaveLength(5);
    await stopAll();
    // Restarted, the worker opens a register at the path again: the five are registered and filed.
    await start(p);
    await settle(p.registerPath, 5, 60000);
    const after = await inventory(p.user);
    process.stdout.write(`[reliability] register file deleted under a running worker: appended=15 inInboxWhileGone=${inbox.length} inInboxAfterRestart=${after.filter((m) => m.folder === 'INBOX').length} registeredAfterRestart=${registerCounts(p.registerPath).items}\n`);
    expect(after.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    expect(after).toHaveLength(15);
    expect(registerCounts(p.registerPath)).toEqual({ items: 5, moved: 5 });
    await stopAll();
  });

  test('register disk full (a tmpfs filled mid-batch, then freed): nothing lost, nothing doubled', async () => {
    const dir = path.join(process.env[TEST_ENV.runDir] ?? '/tmp', `tmpfs-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    try {
      // 16 MiB: room for the whole register of this batch (with its WAL and FTS index; 2 MiB was
      // not, which made "full" permanent for a reason of its own); the filler makes it full.
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
      mountDir = dir;
    } catch (err) {
      process.stdout.write(`[reliability] disk-full case SKIPPED: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); needs root with CAP_SYS_ADMIN\n`);
      return;
    }
    const p = await faultEnv('sqlite-full', { registerPath: path.join(dir, 'register.sqlite') });
    const count = 30;
    await appendAll(p.user, sampleMessages(count + 30).slice(30).map((s) => s.source));
    await start(p);
    await waitFor('a few registered', () => registerCounts(p.registerPath).items >= 5, 60000, 20);
    const filler = path.join(dir, 'filler');
    const registeredWhenFull = fillDisk(filler) && registerCounts(p.registerPath).items;
    await new Promise((r) => setTimeout(r, 3000));
    const registeredAfterFull = registerCounts(p.registerPath).items;
    fs.rmSync(filler, { force: true });
    await settle(p.registerPath, count, 60000);
    const f = await figures(p.user, p.registerPath, count);
    report('register disk full 3 s', f, { registeredWhenFull, registeredDuringFull: registeredAfterFull, registerKiB: dirKiB(dir), tmpfsMiB: TMPFS_MB });
    expectClean(f);
    await stopAll();
    unmount(dir);
    mountDir = null;
  });
});

const TMPFS_MB = 16;

function dirKiB(dir: string): number {
  return Math.round(fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) / 1024);
}

/** Write zeros until ENOSPC: the filesystem is then really full. */
function fillDisk(file: string): boolean {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  // The last partial block: fill it byte by byte-ish so not even a page is left.
  const fd2 = fs.openSync(file, 'a');
  try {
    for (let i = 0; i < 64; i++) fs.writeSync(fd2, Buffer.alloc(64));
  } catch {
    // full
  } finally {
    fs.closeSync(fd2);
  }
  return true;
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}
