import type Database from 'better-sqlite3';
import { AigError } from '../shared/errors';
import { maskNirsInText } from '../shared/privacy';
import type { ItemStatus } from './types';

/**
 * Full-text search over the register (FTS5 table `items_fts`, kept in sync by the triggers of
 * migration 2). Case and accents are folded by the tokenizer; user input is always quoted, so no
 * input can produce an FTS5 syntax error or reach a column filter / NEAR / boolean operator.
 */

/** The time zone of the register's calendar days (CLEISS is in Paris): date filters and exports. */
export const REGISTER_TIME_ZONE = 'Europe/Paris';

export interface SearchFilters {
  destination?: string;
  status?: ItemStatus;
  channel?: string;
  /** First day received, inclusive, YYYY-MM-DD in REGISTER_TIME_ZONE. */
  from?: string;
  /** Last day received, inclusive, YYYY-MM-DD in REGISTER_TIME_ZONE. */
  to?: string;
  senderKind?: string;
  /** ISO 3166-1 alpha-2, any case. */
  country?: string;
  /** Form code (A1, S2, E106…), any case. */
  form?: string;
}

export interface SearchHit {
  registerNo: string;
  receivedAt: string;
  destination: string;
  status: ItemStatus;
  senderAddress: string | null;
  /** NIRs masked. */
  subject: string | null;
  /** An extract of the text around the first match (start of the text without a query), NIRs masked. */
  snippet: string;
}

/** Rows read per search at most: a CLI listing, not an export. */
export const MAX_SEARCH_LIMIT = 1000;
const SNIPPET_BEFORE = 60;
const SNIPPET_AFTER = 120;
// bm25 weights per column, in table order: register_no, subject, sender, idents, attachments, body.
const BM25 = 'bm25(items_fts, 10.0, 5.0, 3.0, 5.0, 2.0, 1.0)';
// Same shape as the NIR pattern of shared/privacy: a NIR typed with spaces or dots is searched compact,
// as it is stored in identifiers.nir.
const NIR_SHAPE = /\b[12378][\s.-]?\d{2}[\s.-]?(?:\d{2}|2A|2B)[\s.-]?(?:\d{2}|2A|2B)[\s.-]?\d{3}[\s.-]?\d{3}[\s.-]?\d{2}\b/gi;
const WORD = /[\p{L}\p{N}]+/gu;

/** One search term: its text and whether it ends with `*` (prefix search). */
export interface SearchTerm {
  text: string;
  prefix: boolean;
}

/** Split user input into terms; terms without a letter or digit (`(`, `"`, `*`) are dropped. */
export function parseTerms(query: string): SearchTerm[] {
  const cleaned = query
    .normalize('NFC')
    .replace(/\p{Cc}/gu, ' ')
    .replace(NIR_SHAPE, (m) => m.replace(/[\s.-]/g, ''));
  const terms: SearchTerm[] = [];
  for (const raw of cleaned.split(/\s+/)) {
    const prefix = /[\p{L}\p{N}]\*+$/u.test(raw);
    const text = raw.replace(/\*+$/, '');
    if (/[\p{L}\p{N}]/u.test(text)) terms.push({ text, prefix });
  }
  return terms;
}

/**
 * The FTS5 MATCH expression: every term becomes a quoted string (inner quotes doubled), so AND, OR,
 * NOT, NEAR, `col:`, `^` and parentheses are plain words; a trailing `*` becomes a prefix query.
 * Terms are ANDed. Null when nothing searchable is left.
 */
export function buildMatchQuery(query: string): string | null {
  const terms = parseTerms(query);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.text.replace(/"/g, '""')}"${t.prefix ? '*' : ''}`).join(' ');
}

/** Validate a YYYY-MM-DD day (a real date) or throw naming the option. */
export function parseDay(label: string, value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.toISOString().slice(0, 10) !== value) {
    throw new AigError('AIG_ERR_USAGE', `${label}: expected a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

/** The offset (ms) of `timeZone` from UTC at instant `t`. */
function zoneOffsetMs(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The UTC instant at which calendar day `day` (YYYY-MM-DD) starts in `timeZone`, `plusDays` later. */
export function dayStartUtc(day: string, plusDays = 0, timeZone = REGISTER_TIME_ZONE): Date {
  const [y, mo, d] = parseDay('date', day).split('-').map(Number);
  const guess = Date.UTC(y, mo - 1, d + plusDays);
  let t = guess - zoneOffsetMs(guess, timeZone);
  // Around a DST change the offset at the guess and at the result differ: take the result's.
  const second = zoneOffsetMs(t, timeZone);
  if (guess - second !== t) t = guess - second;
  return new Date(t);
}

/** SQL conditions (on table `items`) and their parameters for the filters. */
export function filterSql(f: SearchFilters): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => (where.push(sql), params.push(v));
  if (f.destination) add('items.destination = ?', f.destination);
  if (f.status) add('items.status = ?', f.status);
  if (f.channel) add('items.channel = ?', f.channel);
  if (f.senderKind) add('items.sender_kind = ?', f.senderKind);
  if (f.from) add('items.received_at >= ?', dayStartUtc(parseDay('from', f.from)).toISOString());
  if (f.to) add('items.received_at < ?', dayStartUtc(parseDay('to', f.to), 1).toISOString());
  const inList = (p: string) => `EXISTS (SELECT 1 FROM json_each(items.index_json, '${p}') WHERE value = ?)`;
  if (f.country) add(inList('$.identifiers.countries'), f.country.toUpperCase());
  if (f.form) add(inList('$.identifiers.forms'), f.form.toUpperCase());
  return { where, params };
}

interface HitRow {
  register_no: string;
  received_at: string;
  destination: string;
  status: ItemStatus;
  sender_address: string | null;
  subject: string | null;
  text: string | null;
}

/**
 * Search the register: `query` over number, subject, sender, identifiers, attachment names and text
 * (best matches first), restricted by `filters`; an empty query lists the filtered rows, newest first.
 */
export function searchRegister(db: Database.Database, query: string, filters: SearchFilters, limit = 50): SearchHit[] {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new AigError('AIG_ERR_USAGE', `limit: expected an integer from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`);
  }
  const match = buildMatchQuery(query);
  const { where, params } = filterSql(filters);
  const cols = `items.register_no, items.received_at, items.destination, items.status, items.sender_address, items.subject,
    json_extract(items.index_json, '$.text') AS text`;
  let rows: HitRow[];
  if (match) {
    const cond = ['items_fts MATCH ?', ...where].join(' AND ');
    const sql = `SELECT ${cols} FROM items_fts JOIN items ON items.id = items_fts.rowid WHERE ${cond} ORDER BY ${BM25}, items.id DESC LIMIT ?`;
    rows = db.prepare(sql).all(match, ...params, limit) as HitRow[];
  } else {
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    rows = db.prepare(`SELECT ${cols} FROM items ${cond} ORDER BY items.received_at DESC, items.id DESC LIMIT ?`).all(...params, limit) as HitRow[];
  }
  const terms = parseTerms(query);
  return rows.map((r) => ({
    registerNo: r.register_no,
    receivedAt: r.received_at,
    destination: r.destination,
    status: r.status,
    senderAddress: r.sender_address,
    subject: r.subject === null ? null : maskNirsInText(r.subject),
    snippet: makeSnippet(bodyOf(r), terms),
  }));
}

/** The text without the subject it starts with (the hit shows the subject already). */
function bodyOf(r: HitRow): string {
  const text = r.text ?? '';
  if (r.subject && text.startsWith(r.subject)) return text.slice(r.subject.length).trim() || r.subject;
  return text || r.subject || '';
}

/** Lower-case, accents removed, with the index in the original string of every folded code unit. */
function fold(s: string): { folded: string; at: number[] } {
  let folded = '';
  const at: number[] = [];
  let i = 0;
  for (const ch of s) {
    const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    folded += f;
    for (let k = 0; k < f.length; k++) at.push(i);
    i += ch.length;
  }
  return { folded, at };
}

/** Start of the first word of `folded` that matches a term (whole word, or word prefix for `term*`). */
function firstMatch(folded: string, terms: SearchTerm[]): number {
  let best = -1;
  for (const t of terms) {
    const tokens: string[] = fold(t.text).folded.match(WORD) ?? [];
    const first = tokens[0];
    if (first === undefined) continue;
    const whole = t.prefix && tokens.length === 1 ? '' : '(?![\\p{L}\\p{N}])';
    const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(first)}${whole}`, 'u');
    const m = re.exec(folded);
    if (m && (best < 0 || m.index < best)) best = m.index;
  }
  return best;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * An extract around the first match. NIRs are masked on the whole text BEFORE cutting, so a window
 * edge can never leave part of a NIR readable (FTS5's snippet() could cut "1 85 05 78 006 084 36"
 * after its first digits, which maskNirsInText would no longer recognise).
 */
export function makeSnippet(text: string, terms: SearchTerm[]): string {
  const masked = maskNirsInText(text).replace(/\s+/g, ' ').trim();
  const { folded, at } = fold(masked);
  const hit = terms.length ? firstMatch(folded, terms) : -1;
  const center = hit >= 0 ? (at[hit] ?? 0) : 0;
  let start = Math.max(0, center - SNIPPET_BEFORE);
  let end = Math.min(masked.length, center + SNIPPET_AFTER);
  // Cut at spaces so no word is shown half.
  const space = masked.indexOf(' ', start);
  if (start > 0 && space >= 0 && space < center) start = space + 1;
  const lastSpace = masked.lastIndexOf(' ', end);
  if (end < masked.length && lastSpace > center) end = lastSpace;
  return `${start > 0 ? '… ' : ''}${masked.slice(start, end).trim()}${end < masked.length ? ' …' : ''}`;
}
