/**
 * Shared plumbing for making sure the services Aiguillage needs (Redis, an IMAP server) exist when
 * `npm test` or `npm run demo` runs: find binaries, pick free loopback ports, install the Debian
 * packages when we are allowed to, and fail with a message that says exactly how to get them.
 *
 * Node built-ins only: this code runs before anything else is known to work.
 */
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { AigError } from '../shared/errors';

export type LogFn = (msg: string) => void;

/** The packages, in the words a developer types. Kept in one place so the error and the installer agree. */
export const DEBIAN_PACKAGES = { redis: 'redis-server', dovecot: 'dovecot-imapd' } as const;

export const HOW_TO_GET_SERVICES =
  'Get them with one of:\n' +
  `  sudo apt-get install ${DEBIAN_PACKAGES.redis} ${DEBIAN_PACKAGES.dovecot}\n` +
  '  docker compose up -d redis dovecot';

/** A service is neither reachable nor startable here; the message tells the developer what to run. */
export class ServiceUnavailableError extends AigError {
  constructor(what: string, options?: { cause?: unknown }) {
    super('AIG_ERR_SERVICE', `${what}\n${HOW_TO_GET_SERVICES}`, options);
  }
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. Racy by nature: callers retry a failed bind. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * Absolute path of an executable, or null. The sbin directories are searched too because a
 * non-root PATH usually lacks them, and Debian puts `dovecot` in /usr/sbin.
 */
export function which(bin: string): string | null {
  const pathDirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  const dirs = [...pathDirs, '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, bin);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: keep looking
    }
  }
  return null;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Root on a Debian-like system: the only case where we may install packages ourselves. */
export function isRootDebian(): boolean {
  return isRoot() && existsSync('/etc/debian_version') && which('apt-get') !== null;
}

/**
 * `apt-get update && apt-get install -y PKGS`, non-interactive. Returns normally even when dpkg
 * reports that the service could not be started (a container's policy-rc.d denies it, which is
 * fine: we start our own instance); callers check that the binary now exists instead.
 */
export async function aptInstall(pkgs: readonly string[], log: LogFn = () => undefined): Promise<void> {
  if (!isRootDebian()) throw new ServiceUnavailableError(`Cannot install ${pkgs.join(' ')}: not root on Debian.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing ${pkgs.join(' ')} with apt-get (this can take a minute)`);
  await streamed('apt-get', ['update', '-q'], env, log);
  const code = await streamed('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], env, log);
  if (code !== 0) log(`apt-get install exited with ${code} (a denied service start is expected in containers)`);
}

/** Run a long command, passing only its last lines to `log` on failure so the cause is visible. */
function streamed(file: string, args: string[], env: NodeJS.ProcessEnv, log: LogFn): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      log(`${file} could not run: ${err.message}`);
      resolve(127);
    });
    child.on('close', (code) => {
      if (code !== 0) log(`${file} ${args[0]} failed (${code}):\n${lastLines(tail, 15)}`);
      resolve(code ?? 1);
    });
  });
}

export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The last lines of a log file, or a note saying it is missing (for error messages). */
export function tailFile(path: string, count = 20): string {
  try {
    return lastLines(readFileSync(path, 'utf8'), count);
  } catch {
    return `(no log at ${path})`;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Poll `probe` until it returns true or `timeoutMs` passes. `abort` is checked between tries so a
 * process that died is reported at once instead of after the whole timeout.
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | null },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await probe()) return { ok: true };
    const aborted = opts.abort?.() ?? null;
    if (aborted !== null) return { ok: false, reason: aborted };
    if (Date.now() >= deadline) return { ok: false, reason: `no answer after ${opts.timeoutMs} ms` };
    await sleep(opts.intervalMs ?? 50);
  }
}

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A daemon's zombie lingers when the container's init does not reap it; it is dead for our purposes. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Read a pid file; null when absent or garbled. */
export function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL: a stop that always ends. */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const gone = await waitUntil(async () => !processAlive(pid), { timeoutMs: graceMs, intervalMs: 25 });
  if (!gone.ok) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Hide the password of a URL before printing it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * The path of `bin`, installing `pkg` with apt-get first when it is missing and we may (root on
 * Debian, `allowInstall`). Otherwise a ServiceUnavailableError that starts with `why`.
 */
export async function findOrInstall(
  bin: string,
  pkg: string,
  opts: { allowInstall: boolean; why: string; log: LogFn },
): Promise<string> {
  const found = which(bin);
  if (found !== null) return found;
  if (!opts.allowInstall || !isRootDebian()) {
    throw new ServiceUnavailableError(`${opts.why} The ${bin} binary is not installed.`);
  }
  await aptInstall([pkg], opts.log);
  const installed = which(bin);
  if (installed === null) {
    throw new ServiceUnavailableError(`${opts.why} Installing ${pkg} with apt-get did not provide ${bin}.`);
  }
  return installed;
}

export interface Daemon {
  pid: number;
  /** Null while running; the exit description once it has ended (checked by start-up probes). */
  exited(): string | null;
}

/**
 * Start a long-lived server in the foreground of its own process group, detached and unref'd so
 * neither jest nor the demo waits for it, with stdout/stderr appended to `outputPath` (errors
 * printed before the server opens its own log land there). We keep the pid to stop it.
 */
export function spawnDaemon(file: string, args: readonly string[], outputPath: string): Daemon {
  const fd = openSync(outputPath, 'a');
  let exit: string | null = null;
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', (err) => {
      exit = `could not run ${file}: ${err.message}`;
    });
    child.on('exit', (code, signal) => {
      exit = `${file} exited (${signal ?? `code ${code}`})`;
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not run ${file}`);
    return { pid: child.pid, exited: () => exit };
  } finally {
    closeSync(fd);
  }
}
