import type { Register } from '../register/sqlite';
import type { MoveRecord, NewItem, RegisterResult } from '../register/types';
import { fetchMessages, fetchSources, moveMessages, type FetchedMessage, type MoveRequest, type Placement } from '../route/mailbox';
import type { ByteBudget } from './byte-budget';
import { Coalescer } from './coalesce';
import type { ImapPool } from './imap-pool';

/**
 * How long a registration waits for others before its commit (one fsync, synchronous=FULL, blocking
 * the event loop): registrations come one at a time as analyses finish, and each committed alone cost
 * 330 commits for 2,000 messages in the benchmark; waiting 15 ms makes about 125 (register time
 * 1.57 → 1.09 s). Adds at most 15 ms to a message's latency.
 */
export const REGISTER_LINGER_MS = 15;

/**
 * The triage worker's I/O, batched across the jobs in flight: one UID FETCH for many messages, one
 * MOVE per destination, one SQLite transaction (one fsync) for many registrations. Each job still
 * sees a per-message API, and a failed batch fails each of its jobs (BullMQ retries them).
 */
export class TriageIO {
  private readonly fetchers = new Map<string, Coalescer<{ uid: number; size?: number }, FetchedMessage | null>>();
  private readonly movers = new Map<string, Coalescer<MoveRequest, Placement | null>>();
  private readonly registrar: Coalescer<NewItem, RegisterResult>;
  private readonly moveRecorder: Coalescer<MoveRecord, number | null>;

  constructor(
    private readonly imap: ImapPool,
    private readonly reg: Register,
    private readonly maxMessageBytes: number,
    private readonly maxBatch = 100,
    /** How many IMAP keywords a destination folder holds, after register keywords were set in it. */
    private readonly onFolderKeywords?: (mailbox: string, folder: string, keywords: number) => void,
    /** Bytes of sources the jobs may hold at once (worker.maxInFlightBytes); none: no bound. */
    private readonly budget?: ByteBudget,
  ) {
    this.registrar = new Coalescer((items) => this.reg.registerMany(items), maxBatch, REGISTER_LINGER_MS);
    this.moveRecorder = new Coalescer<MoveRecord, number | null>((moves) => this.reg.markMovedMany(moves), maxBatch);
  }

  /**
   * Waits until a message of `size` bytes (the poller's RFC822.SIZE) fits in the budget of sources in
   * flight, and holds it; the returned function gives it back. A message over maxMessageBytes is not
   * downloaded (it reserves nothing); a job without a size (older pollers) reserves maxMessageBytes.
   */
  async reserveSource(size: number | undefined): Promise<() => void> {
    if (!this.budget) return () => undefined;
    const bytes = size === undefined ? this.maxMessageBytes : size <= this.maxMessageBytes ? size : 0;
    return this.budget.reserve(bytes);
  }

  /**
   * The message at `uid` in `folder`, or null when it is not there. With `size` (the poller's
   * RFC822.SIZE) under the limit, the source is fetched at once; otherwise metadata first, so that an
   * over-limit message is never downloaded.
   */
  fetch(mailbox: string, folder: string, uid: number, size?: number): Promise<FetchedMessage | null> {
    const key = `${mailbox}\u0000${folder}`;
    let c = this.fetchers.get(key);
    if (!c) {
      c = new Coalescer(async (items) => {
        const { client } = await this.imap.get(mailbox, 'fetch');
        const small = new Set(items.filter((i) => i.size !== undefined && i.size <= this.maxMessageBytes).map((i) => i.uid));
        const rest = new Set(items.filter((i) => !small.has(i.uid)).map((i) => i.uid));
        const got = await fetchSources(client, folder, [...small]);
        for (const [u, m] of await fetchMessages(client, folder, [...rest], this.maxMessageBytes)) got.set(u, m);
        return items.map((i) => got.get(i.uid) ?? null);
      }, this.maxBatch);
      this.fetchers.set(key, c);
    }
    return c.call({ uid, size });
  }

  /** MOVE; where the message went, or null when it was no longer in `folder`. */
  move(mailbox: string, folder: string, req: MoveRequest): Promise<Placement | null> {
    const key = `${mailbox}\u0000${folder}`;
    let c = this.movers.get(key);
    if (!c) {
      c = new Coalescer(async (reqs) => {
        const { client } = await this.imap.get(mailbox);
        const placed = await moveMessages(client, folder, dedupeByUid(reqs), this.onFolderKeywords && ((dest, n) => this.onFolderKeywords!(mailbox, dest, n)));
        return reqs.map((r) => placed.get(r.uid) ?? null);
      }, this.maxBatch);
      this.movers.set(key, c);
    }
    return c.call(req);
  }

  register(input: NewItem): Promise<RegisterResult> {
    return this.registrar.call(input);
  }

  /** Record a move; returns the UID of a surplus copy to expunge (see Register.markMovedMany), else null. */
  markMoved(move: MoveRecord): Promise<number | null> {
    return this.moveRecorder.call(move);
  }
}

/** A job retried while its first attempt is still in a batch must not MOVE the same UID twice. */
function dedupeByUid(reqs: MoveRequest[]): MoveRequest[] {
  const seen = new Map<number, MoveRequest>();
  for (const r of reqs) if (!seen.has(r.uid)) seen.set(r.uid, r);
  return [...seen.values()];
}
