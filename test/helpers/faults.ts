/**
 * Fault injection for the reliability suite (test/reliability/) and the soak script: a TCP proxy
 * that can be cut at chosen IMAP commands, private Redis and Dovecot instances that can be killed
 * and restarted on the same port, and the real worker/poller entrypoints as child processes.
 * Everything here is started by the caller and must be stopped by it (afterAll / finally).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findFreePort, which, waitUntil, sleep } from '../../src/services/ensure';
import { redisAnswers } from '../../src/services/redis';
import { addDovecotUser, startDovecot, type DovecotService } from '../../src/services/dovecot';
import { ROOT_DIR } from '../../src/config/load';
import type { ImapTestUser } from './services';

// The repository root, also when this file runs compiled from dist/ (scripts/soak.ts).
const ROOT = ROOT_DIR;
export const WORKER_JS = path.join(ROOT, 'dist', 'workers', 'triage.js');
export const POLLER_JS = path.join(ROOT, 'dist', 'workers', 'poller.js');

/** How a connection is broken when a client→server chunk matches a trigger. */
export type CutMode =
  /** The command never reaches the server. */
  | 'drop-request'
  /** The server gets the command and carries it out; the client never sees the answer. */
  | 'lose-response'
  /** The server starts answering; the client gets the first chunk only, then the socket dies. */
  | 'mid-response'
  /** The command reaches the server and both sides are reset at once (RST): the server sees the
   *  client vanish while it executes the command. */
  | 'reset-after-request';

interface Trigger {
  pattern: RegExp;
  mode: CutMode;
  resolve: (cmd: string) => void;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * A loopback TCP proxy in front of Dovecot. `cutOn` arms a one-shot trigger on the next client
 * command matching a pattern; `cutAll` kills every live connection; `block` refuses new ones.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private triggers: Trigger[] = [];
  private blocked = false;
  cuts = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const server = net.createServer();
    const port = await findFreePort();
    const proxy = new TcpProxy(server, port, { host: targetHost, port: targetPort });
    server.on('connection', (c) => proxy.accept(c));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    return proxy;
  }

  /** Resolves with the matched command line once the cut has happened. */
  cutOn(pattern: RegExp, mode: CutMode): Promise<string> {
    return new Promise((resolve) => this.triggers.push({ pattern, mode, resolve }));
  }

  /** Forget the triggers that have not fired. */
  disarm(): void {
    this.triggers = [];
  }

  cutAll(): number {
    const n = this.pairs.size;
    for (const p of [...this.pairs]) this.kill(p);
    this.cuts += n;
    return n;
  }

  block(on: boolean): void {
    this.blocked = on;
  }

  async close(): Promise<void> {
    this.triggers = [];
    for (const p of [...this.pairs]) this.kill(p);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    let midResponse = false;
    upstream.on('data', (chunk: Buffer) => {
      if (client.destroyed) return;
      client.write(chunk);
      if (midResponse) {
        this.cuts++;
        this.kill(pair);
      }
    });
    client.on('data', (chunk: Buffer) => {
      const trigger = this.match(chunk);
      if (!trigger) return void upstream.write(chunk);
      const cmd = chunk.toString('latin1').split('\r\n')[0];
      if (trigger.mode === 'drop-request') {
        this.cuts++;
        this.kill(pair);
      } else if (trigger.mode === 'lose-response') {
        upstream.write(chunk);
        // The client is gone at once; the server keeps its side long enough to finish the command.
        this.cuts++;
        client.destroy();
        setTimeout(() => this.kill(pair), 500);
      } else if (trigger.mode === 'reset-after-request') {
        upstream.write(chunk, () => {
          this.cuts++;
          this.pairs.delete(pair);
          client.resetAndDestroy();
          upstream.resetAndDestroy();
        });
      } else {
        upstream.write(chunk);
        midResponse = true;
      }
      trigger.resolve(cmd);
    });
    const end = () => this.kill(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  private match(chunk: Buffer): Trigger | null {
    if (this.triggers.length === 0) return null;
    const text = chunk.toString('latin1');
    const i = this.triggers.findIndex((t) => t.pattern.test(text));
    if (i < 0) return null;
    return this.triggers.splice(i, 1)[0];
  }

  private kill(p: Pair): void {
    this.pairs.delete(p);
    p.client.destroy();
    p.upstream.destroy();
  }
}

/** A redis-server of our own on a fixed port, so that it can be killed and restarted under clients. */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly aof: boolean,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `aof`: append-only file fsynced on every write (a SIGKILL loses nothing acknowledged). */
  static async start(dir: string, opts: { aof: boolean }): Promise<PrivateRedis> {
    fs.mkdirSync(dir, { recursive: true });
    const r = new PrivateRedis(dir, await findFreePort(), opts.aof);
    await r.launch();
    return r;
  }

  private async launch(): Promise<void> {
    const bin = which('redis-server');
    if (!bin) throw new Error('redis-server is not installed (apt-get install redis-server)');
    const persistence = this.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, '--logfile', path.join(this.dir, 'redis.log')];
    const child = spawn(bin, args, { stdio: 'ignore' });
    this.child = child;
    const up = await waitUntil(() => redisAnswers(this.url, 300), { timeoutMs: 10000, abort: () => (child.exitCode !== null ? `redis-server exited ${child.exitCode}` : null) });
    if (!up.ok) throw new Error(`private redis-server did not start: ${up.reason}`);
  }

  /** SIGKILL: a crash, not a shutdown (no final AOF rewrite, no save). */
  async kill(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await gone;
  }

  /** Kill, stay down `downMs`, start again on the same port (with its AOF, if any). */
  async restart(downMs: number): Promise<void> {
    await this.kill();
    await sleep(downMs);
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
  }
}

/** A Dovecot of our own (same dir, same port across restarts) with one fresh user. */
export class PrivateDovecot {
  private constructor(
    private svc: DovecotService,
    readonly dir: string,
  ) {}

  static async start(dir: string): Promise<PrivateDovecot> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    return new PrivateDovecot(await startDovecot({ dir }), dir);
  }

  get port(): number {
    return this.svc.port;
  }

  async addUser(name: string): Promise<ImapTestUser> {
    const password = `p${Date.now().toString(36)}`;
    await addDovecotUser(this.dir, name, password);
    return { host: '127.0.0.1', port: this.svc.port, user: name, password };
  }

  async restart(downMs: number): Promise<void> {
    const port = this.svc.port;
    await this.svc.stop();
    await sleep(downMs);
    this.svc = await startDovecot({ dir: this.dir, port });
  }

  async stop(): Promise<void> {
    await this.svc.stop();
  }
}

/** A real entrypoint (dist/workers/*.js) as a child process, its output kept for inspection. */
export interface Child {
  proc: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Set when the test killed it on purpose. */
  killed: boolean;
}

export function spawnEntry(script: string, env: Record<string, string>): Child {
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` (npm test does it)`);
  const proc = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (b: Buffer) => chunks.push(b));
  proc.stderr?.on('data', (b: Buffer) => chunks.push(b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, output: () => Buffer.concat(chunks).toString('utf8'), exited, alive: () => proc.exitCode === null && proc.signalCode === null, killed: false };
}

/** Throw with its output when a child that should be running has exited (start-up failure…). */
export function assertRunning(children: Child[]): void {
  const dead = children.find((c) => !c.alive() && !c.killed);
  if (dead) throw new Error(`a child process exited unexpectedly (${dead.proc.exitCode ?? dead.proc.signalCode}):\n${dead.output().slice(-2000)}`);
}

export async function killChild(c: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  c.killed = true;
  if (c.alive()) c.proc.kill(signal);
  await c.exited;
}

/**
 * Another process that holds the register's write lock (`BEGIN EXCLUSIVE`) for `holdMs`: resolves
 * once the lock is taken; `released` resolves when the child has committed and exited.
 */
export async function holdExclusiveLock(dbPath: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.pragma('busy_timeout = 10000');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.exit(0); }, Number(process.argv[2]));`;
  const child = spawn(process.execPath, ['-e', script, dbPath, String(holdMs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const released = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  return { released };
}
