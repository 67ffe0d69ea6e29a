/**
 * Make sure a Redis answers: the one at the given URL when it does, otherwise a private
 * `redis-server` on a free loopback port with throwaway data (no RDB, no AOF, its own temp dir).
 * We never flush or stop a Redis we did not start.
 */
import { mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import {
  DEBIAN_PACKAGES,
  type LogFn,
  ServiceUnavailableError,
  findFreePort,
  findOrInstall,
  processAlive,
  readPid,
  redactUrl,
  spawnDaemon,
  tailFile,
  terminate,
  waitUntil,
} from './ensure';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const START_TIMEOUT_MS = 5000;
const START_ATTEMPTS = 3;

export interface RedisService {
  url: string;
  /** True when we started this redis-server (and `stop()` will end it and delete its data). */
  started: boolean;
  stop(): Promise<void>;
}

export interface EnsureRedisOptions {
  /** Redis to use when it answers; default redis://127.0.0.1:6379. */
  url?: string;
  log?: LogFn;
  /** May we `apt-get install redis-server` (root on Debian only)? Default false. */
  allowInstall?: boolean;
  /** Where a private redis-server keeps its log and pid; default a new temp dir, removed by stop(). */
  dir?: string;
}

export async function ensureRedis(opts: EnsureRedisOptions = {}): Promise<RedisService> {
  const url = opts.url ?? DEFAULT_REDIS_URL;
  const log = opts.log ?? (() => undefined);
  if (await redisAnswers(url)) return { url, started: false, stop: async () => undefined };
  log(`no Redis answers at ${redactUrl(url)}: starting a private redis-server`);
  const bin = await findOrInstall('redis-server', DEBIAN_PACKAGES.redis, {
    allowInstall: opts.allowInstall ?? false,
    why: `Redis does not answer at ${redactUrl(url)}.`,
    log,
  });
  return startRedis(bin, opts.dir);
}

/** Start a private redis-server; retried on a new port because a free port can be taken meanwhile. */
export async function startRedis(bin: string, dirOption?: string): Promise<RedisService> {
  const dir = dirOption === undefined ? mkdtempSync(join(tmpdir(), 'aig-redis-')) : resolve(dirOption);
  const removeDir = dirOption === undefined;
  mkdirSync(dir, { recursive: true });
  await stopStaleRedis(dir);
  const logPath = join(dir, 'redis.log');
  let lastReason = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    const port = await findFreePort();
    const url = `redis://127.0.0.1:${port}`;
    // Throwaway data: no snapshots, no append-only file, nothing written outside `dir`.
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--save', '',
      '--appendonly', 'no', '--dir', dir, '--logfile', logPath, '--pidfile', join(dir, 'redis.pid')];
    const daemon = spawnDaemon(bin, args, join(dir, 'redis.out'));
    const up = await waitUntil(() => redisAnswers(url, 500), { timeoutMs: START_TIMEOUT_MS, abort: daemon.exited });
    if (up.ok) {
      return {
        url,
        started: true,
        stop: async () => {
          await terminate(daemon.pid);
          if (removeDir) rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await terminate(daemon.pid);
    lastReason = up.reason;
  }
  const detail = `${tailFile(logPath)}\n${tailFile(join(dir, 'redis.out'), 5)}`;
  if (removeDir) rmSync(dir, { recursive: true, force: true });
  throw new ServiceUnavailableError(`redis-server did not start (${lastReason}). Its log ends with:\n${detail}\n`);
}

/**
 * End a private redis-server left running in `dir` by a run that was killed before its teardown.
 * Only a process whose working directory is `dir` (redis chdirs to --dir) is ours: pids get reused.
 */
export async function stopStaleRedis(dir: string): Promise<boolean> {
  const pid = readPid(join(dir, 'redis.pid'));
  if (pid === null || !processAlive(pid)) return false;
  try {
    if (readlinkSync(`/proc/${pid}/cwd`) !== dir) return false;
  } catch {
    return false;
  }
  await terminate(pid);
  return true;
}

/**
 * Does a Redis answer PING at this URL (with its credentials)? Raw RESP over a socket so that
 * nothing retries or reconnects behind our back and the answer comes within `timeoutMs`.
 */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const host = target.hostname === '' ? '127.0.0.1' : target.hostname.replace(/^\[|\]$/g, '');
  const port = target.port === '' ? 6379 : Number(target.port);
  const commands: string[][] = [];
  if (target.password !== '') {
    const pass = decodeURIComponent(target.password);
    commands.push(target.username !== '' ? ['AUTH', decodeURIComponent(target.username), pass] : ['AUTH', pass]);
  }
  commands.push(['PING']);
  return new Promise((resolve) => {
    const socket: Socket =
      target.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    let received = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once(target.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      // Any error reply (NOAUTH, WRONGPASS, LOADING…) means this URL is not usable as is.
      if (/^-|\r\n-/.test(received)) finish(false);
      else if (received.includes('+PONG\r\n')) finish(true);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}
