/**
 * "Nothing lost, nothing doubled": the figures of a scenario, computed from what is really in the
 * mailbox (IMAP inventory) and in the register file, never from what the pipeline says it did.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Register } from '../../../src/register/sqlite';
import { keywordFor } from '../../../src/route/mailbox';
import { dedupeKey } from '../../../src/register/identity';
import { inventory, waitFor, type Placement } from '../../helpers/pipeline';
import type { ImapTestUser } from '../../helpers/services';

export interface Figures {
  appended: number;
  registered: number;
  moved: number;
  errors: number;
  duplicates: number;
  lost: number;
  /** Every anomaly, one line each (empty when all is well). */
  problems: string[];
}

/**
 * Distinct messages only: two identical sources are one message for the register (by design). Dovecot
 * serves every message with CRLF line ends, so a bare-LF copy of a CRLF message (the corpora have
 * such pairs) is the same message by the time the worker sees it: compare them as the server will.
 */
export function distinctSources(sources: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const k = dedupeKey(Buffer.from(s.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Counts read straight from the SQLite file (read-only: usable while workers write). */
export function registerCounts(file: string): { items: number; moved: number } {
  if (!fs.existsSync(file)) return { items: 0, moved: 0 };
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const n = (sql: string) => (db!.prepare(sql).get() as { n: number }).n;
    return { items: n('SELECT COUNT(*) AS n FROM items'), moved: n('SELECT COUNT(*) AS n FROM sources WHERE moved_at IS NOT NULL') };
  } catch {
    return { items: 0, moved: 0 }; // not migrated yet, or locked by a fault: ask again later
  } finally {
    db?.close();
  }
}

/** Wait until `appended` sources are moved (or the timeout); never throws: the figures tell. */
export async function settle(registerPath: string, appended: number, timeoutMs: number): Promise<boolean> {
  try {
    await waitFor(`${appended} moved`, () => registerCounts(registerPath).moved >= appended, timeoutMs, 250);
    return true;
  } catch {
    return false;
  }
}

/** Message-IDs as the parser and the server's ENVELOPE give them differ in spacing only. */
function squash(id: string): string {
  return id.replace(/[\s<>]+/g, '');
}

function expectedLeaf(status: string, destination: string): string {
  return status === 'error' ? 'Erreurs' : status === 'to-review' ? 'secretariat' : destination;
}

/**
 * `keywords: false` (routing.registerKeyword off): messages carry no register keyword, so each is
 * matched to the register by the folder and UID its source row records, and a message in a
 * destination that no row records is a surplus copy.
 */
export async function figures(user: ImapTestUser, registerPath: string, appended: number, opts: { keywords?: boolean } = {}): Promise<Figures> {
  const keywords = opts.keywords ?? true;
  const inv = await inventory(user);
  const problems: string[] = [];
  const r = new Register({ path: registerPath, numberPrefix: 'DAJ', replyDelayDays: 30 });
  try {
    const items = r.list({ limit: 1_000_000 });
    const byKeyword = new Map<string, Placement[]>();
    for (const m of inv) {
      if (m.folder === 'INBOX') problems.push(`still in INBOX: uid ${m.uid} (${m.messageId ?? 'no Message-ID'})`);
      const own = m.keywords.filter((k) => /^[A-Z][A-Z0-9]*-\d{4}-\d{6}$/.test(k));
      if (m.folder !== 'INBOX' && own.length !== (keywords ? 1 : 0)) problems.push(`${m.folder} uid ${m.uid} carries ${own.length} register keywords`);
      for (const k of own) byKeyword.set(k, [...(byKeyword.get(k) ?? []), m]);
    }
    let ok = 0;
    // Extra register rows, plus extra copies of a registered message in the mailbox (counted below).
    let duplicates = Math.max(0, items.length - appended);
    const byPlace = new Map(inv.map((m) => [`${m.folder}\u0000${m.uid}`, m]));
    const claimed = new Set<Placement>();
    for (const it of items) {
      const sources = r.sourcesOf(it.id);
      const recorded = sources.map((s) => (s.folder && s.folderUid !== null ? byPlace.get(`${s.folder}\u0000${s.folderUid}`) : undefined)).filter((m): m is Placement => !!m);
      const placed = keywords ? (byKeyword.get(keywordFor(it.registerNo)) ?? []).filter((m) => m.folder !== 'INBOX') : recorded;
      for (const m of placed) claimed.add(m);
      if (placed.length > 1) {
        duplicates += placed.length - 1;
        problems.push(`${it.registerNo} is in ${placed.length} places: ${placed.map((m) => m.folder).join(', ')}`);
      }
      if (sources.length !== 1) problems.push(`${it.registerNo} has ${sources.length} source rows`);
      if (it.status === 'error' && !/AIG_ERR/.test(it.error ?? '')) problems.push(`${it.registerNo} is a dead letter without a reason`);
      if (placed.length === 0) {
        problems.push(`${it.registerNo} (${it.status}) is in no folder`);
        continue;
      }
      const m = placed[0];
      const want = `Aiguillage${m.delimiter}${expectedLeaf(it.status, it.destination)}`;
      if (m.folder !== want) problems.push(`${it.registerNo} is in ${m.folder}, register says ${want}`);
      else if (!sources[0]?.movedAt || sources[0].folder !== m.folder) problems.push(`${it.registerNo} moved but the register does not record it`);
      else if (sources[0].folderUid !== null && sources[0].folderUid !== m.uid) problems.push(`${it.registerNo} is at uid ${m.uid} in ${m.folder}, the register records uid ${sources[0].folderUid}`);
      else if (it.messageId && m.messageId && squash(it.messageId) !== squash(m.messageId)) problems.push(`${it.registerNo} keyword on another message (register ${it.messageId}, mailbox ${m.messageId})`);
      else ok++;
    }
    if (!keywords) {
      const strays = inv.filter((m) => m.folder !== 'INBOX' && !claimed.has(m));
      duplicates += strays.length;
      for (const m of strays) problems.push(`${m.folder} uid ${m.uid} is recorded by no register row (a surplus copy)`);
    }
    const c = r.counts();
    return { appended, registered: c.items, moved: c.moved, errors: c.errors, duplicates, lost: Math.max(0, appended - ok), problems };
  } finally {
    r.close();
  }
}

/** One line per scenario, always printed (the README's figures come from these lines). */
export function report(label: string, f: Figures, extra: Record<string, unknown> = {}): void {
  const more = Object.entries(extra).map(([k, v]) => ` ${k}=${String(v)}`).join('');
  const line = `[reliability] ${label}: appended=${f.appended} registered=${f.registered} moved=${f.moved} errors=${f.errors} duplicates=${f.duplicates} lost=${f.lost}${more}`;
  process.stdout.write(`${line}\n`);
  if (f.problems.length > 0) process.stdout.write(`[reliability] ${label} problems:\n  ${f.problems.slice(0, 30).join('\n  ')}\n`);
  const file = process.env.AIG_RELIABILITY_REPORT;
  if (file) fs.appendFileSync(file, `${line}\n`);
}
