/**
 * Holds the rules in force and reloads them when a file changes. A reload that fails keeps the
 * last good rules (a half-edited file must not stop triage) and reports the error.
 */
import { statSync } from 'node:fs';
import { loadRules, type RuleSet } from './load';

export interface RulesStoreOptions {
  /** How often files are checked for changes. Polling rather than fs.watch: editors that
   *  replace the file (rename over it) break inotify watches, and 2 s latency is fine here. */
  intervalMs?: number;
  onError?: (err: Error) => void;
  onReload?: (rules: RuleSet) => void;
}

const DEFAULT_INTERVAL_MS = 2000;

export class RulesStore {
  private rules: RuleSet;
  private stamp: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly paths: string[];
  private readonly opts: RulesStoreOptions;

  /** Loads at once: a broken file at start-up throws (the worker must not start without rules). */
  constructor(paths: string[], opts: RulesStoreOptions = {}) {
    if (opts.intervalMs !== undefined && !(opts.intervalMs > 0)) {
      throw new RangeError(`RulesStore: intervalMs must be a positive number, got ${opts.intervalMs}`);
    }
    this.paths = [...paths];
    this.opts = opts;
    this.stamp = this.fileStamp();
    this.rules = loadRules(this.paths);
  }

  current(): RuleSet {
    return this.rules;
  }

  /** Reloads now; returns true when the new rules took effect. */
  reload(): boolean {
    this.stamp = this.fileStamp();
    try {
      this.rules = loadRules(this.paths);
      this.opts.onReload?.(this.rules);
      return true;
    } catch (err) {
      this.opts.onError?.(err as Error);
      return false;
    }
  }

  /** Reloads only if a file's size or mtime changed (or a file appeared/disappeared). */
  checkForChanges(): boolean {
    if (this.fileStamp() === this.stamp) return false;
    return this.reload();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.checkForChanges(), this.opts.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref(); // watching rules must never keep a finished process alive
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private fileStamp(): string {
    return this.paths
      .map((p) => {
        try {
          const s = statSync(p);
          return `${s.mtimeMs}:${s.size}`;
        } catch {
          return 'absent';
        }
      })
      .join('|');
  }
}
