/**
 * A private Dovecot for tests and the demo: its own directory (config, users, maildirs, sockets,
 * log), a free loopback port, users added on the fly. Several instances can run side by side.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AigError } from '../shared/errors';
import { type MailOwner, dovecotPaths, renderDovecotConfig, resolveMailOwner } from './dovecot-config';
import {
  DEBIAN_PACKAGES,
  type Daemon,
  type LogFn,
  ServiceUnavailableError,
  findFreePort,
  findOrInstall,
  isRoot,
  processAlive,
  readPid,
  spawnDaemon,
  tailFile,
  terminate,
  waitUntil,
} from './ensure';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;
/** Conservative so that a user name is safe as a passwd-file field and as a directory name. */
const USER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export interface DovecotService {
  host: string;
  port: number;
  /** True when this call started the server (and `stop()` will end it). */
  started: boolean;
  /** Instance directory (config, users, mail, log); '' for an external server. */
  dir: string;
  /** Add (or reset) a user: passwd-file line plus a home directory owned by the mail uid. */
  addUser(user: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartDovecotOptions {
  /** Instance directory; default a new temp dir, removed again by `stop()`. A given dir is kept. */
  dir?: string;
  /** Fixed port; default a free one. */
  port?: number;
  log?: LogFn;
  /** May we `apt-get install dovecot-imapd` (root on Debian only)? Default false. */
  allowInstall?: boolean;
}

/** What addDovecotUser needs to know about a running instance, written beside its config. */
interface InstanceMeta {
  host: string;
  port: number;
  uid: number;
  gid: number;
}

export async function startDovecot(opts: StartDovecotOptions = {}): Promise<DovecotService> {
  const log = opts.log ?? (() => undefined);
  const ownDir = opts.dir === undefined;
  const dir = ownDir ? mkdtempSync(join(tmpdir(), 'aig-dovecot-')) : resolve(opts.dir as string);
  try {
    if (!ownDir) await stopStaleDovecot(dir, log);
    const bin = await findOrInstall('dovecot', DEBIAN_PACKAGES.dovecot, {
      allowInstall: opts.allowInstall ?? false,
      why: 'No IMAP server to use and Dovecot is not available.',
      log,
    });
    const owner = resolveMailOwner();
    prepareDir(dir, owner);
    const { daemon, port } = await launch(bin, dir, owner, opts.port);
    return serviceFor(dir, port, { daemon, removeDir: ownDir });
  } catch (err) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A Dovecot left running in `dir` by a run that did not stop (a killed demo) holds the pid file
 * and sockets: end it, so that "started" always means "ours, fresh, stopped by stop()".
 */
export async function stopStaleDovecot(dir: string, log: LogFn = () => undefined): Promise<boolean> {
  const p = dovecotPaths(dir);
  const pid = readPid(join(p.run, 'master.pid'));
  if (pid === null || !processAlive(pid)) return false;
  // A pid can be reused: only end it if it is a dovecot started on this very config.
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmdline.includes(p.conf)) return false;
  log(`stopping a Dovecot left running in ${dir} (pid ${pid})`);
  await terminate(pid);
  return true;
}

/**
 * Directories the mail uid must traverse (mode 0711: no listing) and an empty users file. The
 * users file is world-readable because Dovecot's auth process runs as its own internal user; the
 * passwords in it are throwaway ones for a loopback-only server.
 */
function prepareDir(dir: string, owner: MailOwner): void {
  const p = dovecotPaths(dir);
  mkdirSync(p.mail, { recursive: true });
  assertTraversable(dirname(dir), owner);
  chmodSync(dir, 0o711);
  chmodSync(p.mail, 0o711);
  mkdirSync(p.users, { recursive: true, mode: 0o755 });
  writeMeta(dir, { host: HOST, port: 0, uid: owner.uid, gid: owner.gid });
}

/**
 * Dovecot's mail processes run as the mail uid and must reach DIR/mail; a parent made by
 * mkdtemp (mode 0700, root's) silently breaks every login, so say so up front.
 */
function assertTraversable(parent: string, owner: MailOwner): void {
  for (let current = parent; ; current = dirname(current)) {
    const st = statSync(current);
    const bit = st.uid === owner.uid ? 0o100 : st.gid === owner.gid ? 0o010 : 0o001;
    const reachable = (st.mode & bit) !== 0;
    if (!reachable) {
      throw new AigError('AIG_ERR_SERVICE', `Dovecot's mail user (uid ${owner.uid}) cannot enter ${current}: chmod o+x it or use another dir`);
    }
    if (dirname(current) === current) return;
  }
}

/** Write the config and start `dovecot -F`; a new port is tried when the chosen one got taken. */
async function launch(bin: string, dir: string, owner: MailOwner, fixedPort?: number): Promise<{ daemon: Daemon; port: number }> {
  const p = dovecotPaths(dir);
  let lastReason = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    const port = fixedPort ?? (await findFreePort(HOST));
    writeFileSync(p.conf, renderDovecotConfig(dir, port, owner), { mode: 0o644 });
    const daemon = spawnDaemon(bin, ['-F', '-c', p.conf], p.out);
    // A greeting proves the listener, the login process and the config are all in place.
    const up = await waitUntil(() => imapAnswers(HOST, port, 500), { timeoutMs: START_TIMEOUT_MS, abort: daemon.exited });
    if (up.ok) {
      writeMeta(dir, { host: HOST, port, uid: owner.uid, gid: owner.gid });
      return { daemon, port };
    }
    await terminate(daemon.pid);
    lastReason = up.reason;
    const portTaken = /Address already in use/.test(tailFile(p.log) + tailFile(p.out));
    if (!portTaken || fixedPort !== undefined) break;
  }
  throw new ServiceUnavailableError(
    `Dovecot did not start in ${dir} (${lastReason}). Its log ends with:\n${tailFile(p.log)}\n${tailFile(p.out, 10)}\n`,
  );
}

function serviceFor(dir: string, port: number, own: { daemon: Daemon; removeDir: boolean }): DovecotService {
  return {
    host: HOST,
    port,
    started: true,
    dir,
    addUser: (user, password) => addDovecotUser(dir, user, password),
    stop: async () => {
      // SIGTERM to the master (what `dovecot stop` does) ends its children; it takes about 1 s.
      await terminate(own.daemon.pid);
      if (own.removeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Add a user to the instance in `dir`, or reset its password. Usable from another process than
 * the one that started Dovecot (jest test files): what it needs is in the instance directory.
 * No reload needed: a new user's passwd-file is read at its first login. (A password reset is
 * seen from the next second on, Dovecot's re-read granularity.)
 */
export async function addDovecotUser(dir: string, user: string, password: string): Promise<void> {
  if (!USER_PATTERN.test(user)) throw new AigError('AIG_ERR_SERVICE', `Invalid IMAP user name for Dovecot: ${JSON.stringify(user)}`);
  if (password === '' || /[:\r\n]/.test(password)) {
    throw new AigError('AIG_ERR_SERVICE', 'Dovecot passwords must be non-empty and contain no ":" or line break');
  }
  const meta = readMeta(dir);
  if (meta === null) throw new AigError('AIG_ERR_SERVICE', `No Dovecot instance in ${dir}`);
  const p = dovecotPaths(dir);
  const home = join(p.mail, user);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (isRoot()) chownSync(home, meta.uid, meta.gid);
  const file = join(p.users, user);
  // Write-then-rename: Dovecot never reads a half-written file. The temp name cannot be a user
  // name (USER_PATTERN has no '#'), so no lookup ever lands on it.
  const tmp = `${file}#${process.pid}.tmp`;
  writeFileSync(tmp, `${user}:{PLAIN}${password}:${meta.uid}:${meta.gid}::${home}::\n`, { mode: 0o644 });
  renameSync(tmp, file);
}

/** Does an IMAP server greet us (`* OK` / `* PREAUTH`) at host:port within `timeoutMs`? */
export function imapAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolveAnswer(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) finish(/^\* (OK|PREAUTH)\b/i.test(received));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

export interface EnsureImapOptions extends StartDovecotOptions {
  /** The configured IMAP server, used as is when it greets us. */
  host?: string;
  imapPort?: number;
}

/**
 * The configured IMAP server when it answers, otherwise a private Dovecot. An external server is
 * not ours: `addUser` refuses and `stop` does nothing.
 */
export async function ensureImap(opts: EnsureImapOptions = {}): Promise<DovecotService> {
  if (opts.host !== undefined && opts.imapPort !== undefined && (await imapAnswers(opts.host, opts.imapPort))) {
    const { host, imapPort: port } = opts;
    return {
      host,
      port,
      started: false,
      dir: '',
      addUser: async () => {
        throw new AigError('AIG_ERR_SERVICE', `Cannot add users to the external IMAP server ${host}:${port}`);
      },
      stop: async () => undefined,
    };
  }
  if (opts.host !== undefined) opts.log?.(`no IMAP server answers at ${opts.host}:${String(opts.imapPort)}: starting a private Dovecot`);
  return startDovecot(opts);
}

function writeMeta(dir: string, meta: InstanceMeta): void {
  writeFileSync(dovecotPaths(dir).meta, `${JSON.stringify(meta)}\n`, { mode: 0o644 });
}

function readMeta(dir: string): InstanceMeta | null {
  try {
    const meta = JSON.parse(readFileSync(dovecotPaths(dir).meta, 'utf8')) as Partial<InstanceMeta>;
    const ok = typeof meta.host === 'string' && [meta.port, meta.uid, meta.gid].every((n) => Number.isInteger(n));
    return ok ? (meta as InstanceMeta) : null;
  } catch {
    return null;
  }
}
