import type { Register } from '../register/sqlite';
import type { NewItem, RegisterResult, SourceRef } from '../register/types';
import { fetchMessages, moveMessages, removeSurplusCopies, type FetchedMessage, type MoveRequest } from '../route/mailbox';
import { Coalescer } from './coalesce';
import type { ImapPool } from './imap-pool';

/**
 * The triage worker's I/O, batched across the jobs in flight: one UID FETCH for many messages, one
 * MOVE per destination, one SQLite transaction (one fsync) for many registrations. Each job still
 * sees a per-message API, and a failed batch fails each of its jobs (BullMQ retries them).
 */
export class TriageIO {
  private readonly fetchers = new Map<string, Coalescer<number, FetchedMessage | null>>();
  private readonly movers = new Map<string, Coalescer<MoveRequest, boolean>>();
  private readonly registrar: Coalescer<NewItem, RegisterResult>;
  private readonly moveRecorder: Coalescer<{ ref: SourceRef; folder: string }, void>;

  constructor(
    private readonly imap: ImapPool,
    private readonly reg: Register,
    private readonly maxMessageBytes: number,
    private readonly maxBatch = 100,
  ) {
    this.registrar = new Coalescer((items) => this.reg.registerMany(items), maxBatch);
    this.moveRecorder = new Coalescer<{ ref: SourceRef; folder: string }, void>((moves) => {
      this.reg.markMovedMany(moves);
      return moves.map((): void => undefined);
    }, maxBatch);
  }

  /** The message at `uid` in `folder`, or null when it is not there. */
  fetch(mailbox: string, folder: string, uid: number): Promise<FetchedMessage | null> {
    const key = `${mailbox}\u0000${folder}`;
    let c = this.fetchers.get(key);
    if (!c) {
      c = new Coalescer(async (uids) => {
        const { client } = await this.imap.get(mailbox, 'fetch');
        const got = await fetchMessages(client, folder, [...new Set(uids)], this.maxMessageBytes);
        return uids.map((u) => got.get(u) ?? null);
      }, this.maxBatch);
      this.fetchers.set(key, c);
    }
    return c.call(uid);
  }

  /** Keyword + MOVE; false when the message was no longer in `folder`. */
  move(mailbox: string, folder: string, req: MoveRequest): Promise<boolean> {
    const key = `${mailbox}\u0000${folder}`;
    let c = this.movers.get(key);
    if (!c) {
      c = new Coalescer(async (reqs) => {
        const { client } = await this.imap.get(mailbox);
        const unique = dedupeByUid(reqs);
        const present = await moveMessages(client, folder, unique);
        // Another worker may have moved the same UIDs at the same moment (a job delivered twice).
        const moved = unique.filter((r) => present.has(r.uid));
        for (const dest of new Set(moved.map((r) => r.dest))) await removeSurplusCopies(client, dest, moved.filter((r) => r.dest === dest));
        return reqs.map((r) => present.has(r.uid));
      }, this.maxBatch);
      this.movers.set(key, c);
    }
    return c.call(req);
  }

  register(input: NewItem): Promise<RegisterResult> {
    return this.registrar.call(input);
  }

  markMoved(ref: SourceRef, folder: string): Promise<void> {
    return this.moveRecorder.call({ ref, folder });
  }
}

/** A job retried while its first attempt is still in a batch must not MOVE the same UID twice. */
function dedupeByUid(reqs: MoveRequest[]): MoveRequest[] {
  const seen = new Map<number, MoveRequest>();
  for (const r of reqs) if (!seen.has(r.uid)) seen.set(r.uid, r);
  return [...seen.values()];
}
