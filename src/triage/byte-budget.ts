/**
 * A bound on the bytes of message sources a triage worker holds at once. BullMQ's concurrency counts
 * jobs, not bytes: with 128 jobs in flight, a burst of 20 MB scanned letters would hold 2.5 GB of
 * sources and their parses. A job reserves its message's size (the poller's RFC822.SIZE) before the
 * source is fetched and gives it back once the message is registered (the copy to its destination
 * fetches the bytes again). Waiting jobs are served in arrival order; a message larger than the whole
 * budget goes alone, when nothing else is held.
 */
export class ByteBudget {
  private held = 0;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(
    readonly limit: number,
    /** Told the bytes held and the jobs waiting after each change (metrics). */
    private readonly onChange?: (held: number, waiting: number) => void,
  ) {
    if (!(Number.isSafeInteger(limit) && limit > 0)) throw new RangeError(`ByteBudget: limit must be a positive integer, got ${limit}`);
  }

  /** Bytes held by the jobs that have their reservation. */
  get inUse(): number {
    return this.held;
  }

  /** Jobs waiting for a reservation. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Waits until `bytes` fit, then holds them; the returned function gives them back (once). */
  async reserve(bytes: number): Promise<() => void> {
    const n = Math.max(0, Math.floor(bytes));
    if (this.waiting.length === 0 && this.fits(n)) {
      this.held += n;
      this.onChange?.(this.held, this.waiting.length);
    } else {
      const granted = new Promise<void>((grant) => this.waiting.push({ bytes: n, grant }));
      this.onChange?.(this.held, this.waiting.length);
      await granted;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= n;
      this.grantWaiting();
      this.onChange?.(this.held, this.waiting.length);
    };
  }

  private fits(n: number): boolean {
    return this.held === 0 || this.held + n <= this.limit;
  }

  private grantWaiting(): void {
    // In order: a large message at the head is not overtaken for ever by small ones behind it.
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.held += next.bytes;
      next.grant();
    }
  }
}
