import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queue } from 'bullmq';
import { DROP_MAILBOX, triageJobId, type TriageJob } from '../queue';
import type { Logger } from '../shared/logger';

const ACCEPTED = /\.(eml|pdf)$/i;

/**
 * Watches the drop folder: every settled .eml/.pdf file becomes one triage job whose id is derived
 * from the file's content (so a rescan never makes two jobs). Files stay where they are until a
 * worker has registered them; the worker moves them to done/ or failed/. Other files are moved to
 * failed/ at once with a reason, never deleted.
 */
export class DropFolderWatcher {
  private timer: NodeJS.Timeout | null = null;
  private scanning = false;

  constructor(
    private readonly opts: { path: string; pollIntervalMs: number; settleMs: number },
    private readonly queue: Queue<TriageJob>,
    private readonly log: Logger,
  ) {}

  start(): void {
    fs.mkdirSync(this.opts.path, { recursive: true });
    const tick = () => {
      this.scan()
        .catch((err: Error) => this.log.warn({ err: err.message }, 'drop folder scan failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.opts.pollIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One pass over the folder; returns the number of jobs offered to the queue. */
  async scan(now = Date.now()): Promise<number> {
    if (this.scanning) return 0;
    this.scanning = true;
    try {
      const jobs: { name: string; data: TriageJob; opts: { jobId: string } }[] = [];
      for (const ent of fs.readdirSync(this.opts.path, { withFileTypes: true })) {
        if (!ent.isFile() || ent.name.startsWith('.')) continue;
        const full = path.join(this.opts.path, ent.name);
        const st = fs.statSync(full);
        if (now - st.mtimeMs < this.opts.settleMs) continue; // still being written
        if (!ACCEPTED.test(ent.name)) {
          this.reject(full, ent.name, 'type de fichier non accepté (seuls .eml et .pdf le sont)');
          continue;
        }
        const sha256 = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
        const data: TriageJob = { file: { name: ent.name, sha256 }, mailbox: DROP_MAILBOX, folder: this.opts.path, uidValidity: sha256, uid: 0, internalDate: new Date(st.mtimeMs).toISOString() };
        jobs.push({ name: 'triage', data, opts: { jobId: triageJobId(data) } });
      }
      if (jobs.length > 0) await this.queue.addBulk(jobs);
      return jobs.length;
    } finally {
      this.scanning = false;
    }
  }

  private reject(full: string, name: string, reason: string): void {
    const dir = path.join(this.opts.path, 'failed');
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, `${Date.now()}-${name}`);
    fs.renameSync(full, target);
    fs.writeFileSync(`${target}.raison.txt`, `${reason}\n`);
    this.log.warn({ reason }, 'drop folder: file refused and moved to failed/');
  }
}
