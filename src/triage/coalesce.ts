/**
 * Coalesce calls made by concurrent jobs into batches: while one batch runs, new calls queue up and
 * go together in the next one. Under load this turns N IMAP round trips or N SQLite commits (each an
 * fsync) into one; with a single job in flight it costs nothing but a microtask.
 */
export class Coalescer<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  /** `run` receives a batch and returns one result per item, in order (or throws for the batch). */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]> | R[],
    private readonly maxBatch: number,
    /** After the first call, wait this long for more before running a batch that is not full. */
    private readonly lingerMs = 0,
  ) {
    if (!(maxBatch >= 1)) throw new RangeError(`Coalescer: maxBatch must be >= 1, got ${maxBatch}`);
  }

  call(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Let the other jobs of this tick add their calls first.
      await new Promise<void>((r) => setImmediate(r));
      if (this.lingerMs > 0 && this.pending.length < this.maxBatch) await new Promise<void>((r) => setTimeout(r, this.lingerMs));
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.run(batch.map((b) => b.item));
          if (results.length !== batch.length) throw new Error(`Coalescer: ${results.length} results for ${batch.length} items`);
          batch.forEach((b, i) => b.resolve(results[i]));
        } catch (err) {
          batch.forEach((b) => b.reject(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
