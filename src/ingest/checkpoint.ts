import type { Redis } from 'ioredis';

export interface Checkpoint {
  uidValidity: string;
  lastUid: number;
}

/**
 * The poller's position per mailbox (UIDVALIDITY + last UID enqueued), in Redis beside the queue.
 * Losing it is harmless: the poller rescans and the job ids / the register deduplicate.
 */
export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(mailbox: string): string {
    return `${this.prefix}:checkpoint:${mailbox}`;
  }

  async get(mailbox: string): Promise<Checkpoint | null> {
    const h = await this.redis.hgetall(this.key(mailbox));
    if (!h.uidValidity || !h.lastUid || !/^\d+$/.test(h.lastUid)) return null;
    return { uidValidity: h.uidValidity, lastUid: Number(h.lastUid) };
  }

  async set(mailbox: string, cp: Checkpoint): Promise<void> {
    await this.redis.hset(this.key(mailbox), { uidValidity: cp.uidValidity, lastUid: String(cp.lastUid), at: new Date().toISOString() });
  }
}
