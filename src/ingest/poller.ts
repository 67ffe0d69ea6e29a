import type { Queue } from 'bullmq';
import type { ImapFlow } from 'imapflow';
import type { Config, MailboxConfig } from '../config/schema';
import { triageJobId, type TriageJob } from '../queue';
import { createImapClient, sleep } from '../shared/imap';
import type { Logger } from '../shared/logger';
import { errorMessage } from '../shared/errors';
import type { CheckpointStore } from './checkpoint';

/** Messages enqueued at once while a sync lists the folder; the first batch is small so that the
 *  workers start on a large backlog within milliseconds. */
const FIRST_ENQUEUE_BATCH = 64;
const ENQUEUE_BATCH = 500;

export interface PollerDeps {
  config: Readonly<Config>;
  queue: Queue<TriageJob>;
  checkpoints: CheckpointStore;
  log: Logger;
  /** Called after each successful sync (health, metrics, tests). */
  onSync?: (mailbox: string, info: SyncInfo) => void;
}

export interface SyncInfo {
  enqueued: number;
  scanned: number;
  full: boolean;
  idle: boolean;
  at: Date;
}

/**
 * Watches every configured mailbox and enqueues one job per message. It never uses \Seen (people read
 * the shared mailbox too) and never deletes anything. Each mailbox has its own connection and loop;
 * a dropped connection is retried with exponential backoff and never crashes the process.
 */
export class Poller {
  private running = false;
  private readonly watchers: MailboxWatcher[] = [];
  private loops: Promise<void>[] = [];

  constructor(private readonly deps: PollerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const mb of this.deps.config.mailboxes) {
      const w = new MailboxWatcher(mb, this.deps);
      this.watchers.push(w);
      this.loops.push(w.run());
    }
  }

  /** Ask every watcher to sync now (used by the demo and tests; also what IDLE triggers). */
  wakeAll(): void {
    this.watchers.forEach((w) => w.wake(true));
  }

  status(): { mailbox: string; connected: boolean; idle: boolean; lastSync: Date | null; lastError: string | null }[] {
    return this.watchers.map((w) => w.status());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.watchers.map((w) => w.stop()));
    await Promise.all(this.loops);
  }
}

class MailboxWatcher {
  private stopped = false;
  private client: ImapFlow | null = null;
  private wakeResolve: (() => void) | null = null;
  private pendingWake = false;
  private fullScanDue = true;
  private connected = false;
  private idling = false;
  private lastSync: Date | null = null;
  private lastError: string | null = null;
  private readonly log: Logger;

  constructor(
    private readonly mb: MailboxConfig,
    private readonly deps: PollerDeps,
  ) {
    this.log = deps.log.child({ stage: 'ingest', mailbox: mb.id });
  }

  status() {
    return { mailbox: this.mb.id, connected: this.connected, idle: this.idling, lastSync: this.lastSync, lastError: this.lastError };
  }

  wake(full = false): void {
    if (full) this.fullScanDue = true;
    this.pendingWake = true;
    this.wakeResolve?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    const c = this.client;
    if (c) await c.logout().catch(() => c.close());
  }

  async run(): Promise<void> {
    const { reconnectMinMs, reconnectMaxMs } = this.deps.config.poller;
    let delay = reconnectMinMs;
    while (!this.stopped) {
      try {
        await this.session();
        delay = reconnectMinMs;
      } catch (err) {
        this.lastError = errorMessage(err);
        this.log.warn({ err: this.lastError, retryInMs: delay }, 'mailbox connection failed; reconnecting');
      } finally {
        this.connected = false;
        this.idling = false;
        this.client = null;
      }
      if (this.stopped) break;
      // The dropped connection's 'close' event asked for a wake-up: ignore it here, or the backoff
      // would be skipped and the loop would hammer a server that is down.
      this.pendingWake = false;
      await this.sleepOrWake(delay);
      delay = Math.min(delay * 2, reconnectMaxMs);
    }
  }

  /** One connection's life: open the folder, then sync / wait in IDLE (or poll) until it drops. */
  private async session(): Promise<void> {
    const client = createImapClient(this.mb, this.log);
    this.client = client;
    let closed = false;
    // Events of this connection may arrive after the session has ended (a failed connect emits
    // 'close' later): they must not cut the reconnect backoff short.
    let active = true;
    client.on('error', (err: Error) => this.log.warn({ err: err.message }, 'imap connection error'));
    client.on('close', () => {
      closed = true;
      if (active) this.wake();
    });
    client.on('exists', () => active && this.wake());
    try {
      await this.watch(client, () => closed);
    } finally {
      active = false;
    }
    if (!closed) await client.logout().catch(() => undefined);
  }

  /** Open the folder, then sync / wait in IDLE (or poll) until the connection drops or we stop. */
  private async watch(client: ImapFlow, isClosed: () => boolean): Promise<void> {
    await client.connect();
    this.connected = true;
    await client.mailboxOpen(this.mb.folder);
    const useIdle = this.deps.config.poller.idle && client.capabilities.has('IDLE');
    this.log.info({ idle: useIdle }, 'watching mailbox');
    this.fullScanDue = true;
    let nextSweep = Date.now() + this.deps.config.poller.sweepIntervalMs;
    while (!this.stopped && !isClosed()) {
      this.pendingWake = false;
      const full = this.fullScanDue || Date.now() >= nextSweep;
      if (full) nextSweep = Date.now() + this.deps.config.poller.sweepIntervalMs;
      await this.sync(client, full, useIdle);
      this.fullScanDue = false;
      if (this.stopped || isClosed()) break;
      if (useIdle) {
        this.idling = true;
        // idle() only returns once another command breaks it: do not await it here. The next
        // command (the sync after a wake) ends IDLE; its promise is then settled.
        client.idle().catch(() => undefined);
        await this.sleepOrWake(Math.max(0, nextSweep - Date.now()));
        this.idling = false;
      } else {
        // No IDLE: a NOOP every noopIntervalMs (about a millisecond on the server) makes it report new
        // mail, whose 'exists' event wakes us for a sync; a sync runs at least every pollIntervalMs.
        const { pollIntervalMs, noopIntervalMs } = this.deps.config.poller;
        const until = Date.now() + pollIntervalMs;
        while (!this.pendingWake && !this.stopped && !isClosed() && Date.now() < until) {
          await this.sleepOrWake(Math.min(noopIntervalMs, Math.max(0, until - Date.now())));
          if (!this.pendingWake && !this.stopped && !isClosed()) await client.noop();
        }
      }
    }
  }

  private sleepOrWake(ms: number): Promise<void> {
    if (this.pendingWake || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeResolve = () => {
        this.wakeResolve = null;
        done();
      };
    });
  }

  /**
   * Enqueue every message after the checkpoint, or — on a full sweep, a UIDVALIDITY change or a lost
   * checkpoint — every message still in the folder. Job ids are deterministic, so a message enqueued
   * twice is one job; once processed it leaves the folder.
   */
  private async sync(client: ImapFlow, full: boolean, idle: boolean): Promise<void> {
    const lock = await client.getMailboxLock(this.mb.folder);
    try {
      const box = client.mailbox;
      if (!box) throw new Error(`folder ${this.mb.folder} is not open`);
      const uidValidity = String(box.uidValidity);
      const cp = await this.deps.checkpoints.get(this.mb.id);
      const rescan = full || !cp || cp.uidValidity !== uidValidity;
      if (cp && cp.uidValidity !== uidValidity) this.log.warn({ old: cp.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: rescanning the folder');
      const from = rescan ? 1 : cp.lastUid + 1;
      let scanned = 0;
      let enqueued = 0;
      let maxUid = cp && !rescan ? cp.lastUid : 0;
      if (box.exists > 0) {
        // Streamed, and enqueued in batches as the answers arrive: the workers start on the first
        // messages of a large backlog while the rest is still being listed, and the list is never
        // held whole (imapflow warns against fetchAll on 1:*).
        let batch: { uid: number; internalDate: string | null; size?: number }[] = [];
        const rescanned: string[] = [];
        const flush = async (): Promise<void> => {
          enqueued += await this.enqueue(batch, uidValidity);
          batch = [];
        };
        for await (const m of client.fetch(`${from}:*`, { uid: true, internalDate: true, size: true }, { uid: true })) {
          // `n:*` matches the last message even when its UID is below n (RFC 3501): skip it.
          if (m.uid < from) continue;
          scanned++;
          maxUid = Math.max(maxUid, m.uid);
          batch.push({ uid: m.uid, internalDate: toIso(m.internalDate), size: m.size });
          if (rescan) rescanned.push(triageJobId({ mailbox: this.mb.id, uidValidity, uid: m.uid }));
          if (batch.length >= (enqueued === 0 ? FIRST_ENQUEUE_BATCH : ENQUEUE_BATCH)) await flush();
        }
        await flush();
        if (rescan) await this.reviveFailed(rescanned);
      }
      if (!cp || cp.uidValidity !== uidValidity || maxUid > cp.lastUid) {
        await this.deps.checkpoints.set(this.mb.id, { uidValidity, lastUid: Math.max(maxUid, cp?.uidValidity === uidValidity ? cp.lastUid : 0) });
      }
      this.lastSync = new Date();
      this.lastError = null;
      if (enqueued > 0 || full) this.log.debug({ scanned, enqueued, full }, 'mailbox synced');
      this.deps.onSync?.(this.mb.id, { enqueued, scanned, full, idle, at: this.lastSync });
    } finally {
      lock.release();
    }
  }

  /**
   * A message still in the folder whose job FAILED (its retry budget spent during an outage longer
   * than the backoff, e.g. IMAP or SQLite down for half an hour) would wait there for ever: the
   * re-add above uses the same job id, which BullMQ ignores while the failed job exists. Each sweep
   * therefore puts such jobs back in the queue (so a lasting failure costs one attempt series per
   * sweep interval, not a tight loop).
   */
  private async reviveFailed(ids: string[]): Promise<void> {
    const queue = this.deps.queue;
    if (ids.length === 0 || (await queue.getFailedCount()) === 0) return;
    const failed = new Set(await queue.getRanges(['failed'], 0, -1));
    let revived = 0;
    for (const id of ids) {
      if (!failed.has(id)) continue;
      const job = await queue.getJob(id);
      if (job && (await job.isFailed())) {
        // A fresh attempt series: the full backoff again, and the worker's "not visible yet" retries
        // (keyed on attemptsMade) instead of an immediate "vanished".
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        revived++;
      }
    }
    if (revived > 0) this.log.warn({ revived }, 'failed jobs of messages still in the folder put back in the queue');
  }

  private async enqueue(msgs: { uid: number; internalDate: string | null; size?: number }[], uidValidity: string): Promise<number> {
    if (msgs.length === 0) return 0;
    const jobs = msgs.map((m) => {
      const data: TriageJob = { mailbox: this.mb.id, folder: this.mb.folder, uidValidity, uid: m.uid, internalDate: m.internalDate };
      if (typeof m.size === 'number') data.size = m.size;
      return { name: 'triage', data, opts: { jobId: triageJobId(data) } };
    });
    await this.deps.queue.addBulk(jobs);
    return jobs.length;
  }
}

function toIso(d: unknown): string | null {
  if (d instanceof Date && !Number.isNaN(d.getTime())) return d.toISOString();
  if (typeof d === 'string' && !Number.isNaN(Date.parse(d))) return new Date(d).toISOString();
  return null;
}
