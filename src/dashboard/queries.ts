import type Database from 'better-sqlite3';
import { buildMatchQuery, filterSql, type SearchFilters } from '../register/search';
import type { ItemStatus } from '../register/types';
import { maskNirsInText } from '../shared/privacy';

/** A line of the live list. Subjects have their NIRs masked (a list is read over shoulders). */
export interface ListRow {
  id: number;
  registerNo: string;
  receivedAt: string;
  destination: string;
  status: ItemStatus;
  sender: string;
  subject: string;
  language: string;
  confidence: number | null;
}

export interface ListQuery {
  q: string;
  filters: SearchFilters;
}

const STATUSES: readonly ItemStatus[] = ['auto-routed', 'to-review', 'error', 'handled'];

/** Read the list's query string; unknown values are dropped rather than passed to SQL. */
export function listQueryFrom(query: Record<string, unknown>, destinations: readonly string[]): ListQuery {
  const s = (k: string) => (typeof query[k] === 'string' ? (query[k] as string).trim() : '');
  const day = (k: string) => (/^\d{4}-\d{2}-\d{2}$/.test(s(k)) ? s(k) : undefined);
  const filters: SearchFilters = {};
  if (destinations.includes(s('destination'))) filters.destination = s('destination');
  if ((STATUSES as readonly string[]).includes(s('status'))) filters.status = s('status') as ItemStatus;
  if (s('channel') === 'courriel' || s('channel') === 'courrier') filters.channel = s('channel');
  filters.from = day('from');
  filters.to = day('to');
  return { q: s('q').slice(0, 200), filters };
}

/**
 * Rows newest first (by id: the order of registration), optionally only those after `afterId`
 * (the live updates), filtered and full-text searched with the register's own FTS5 helpers.
 */
export function listRows(db: Database.Database, lq: ListQuery, opts: { afterId?: number; limit?: number } = {}): ListRow[] {
  const { where, params } = filterSql(lq.filters);
  if (opts.afterId !== undefined) (where.push('items.id > ?'), params.push(opts.afterId));
  const match = buildMatchQuery(lq.q);
  const cols = `items.id, items.register_no, items.received_at, items.destination, items.status, items.sender_address,
    items.sender_name, items.subject, items.language, items.confidence`;
  const limit = opts.limit ?? 200;
  const rows = match
    ? db
        .prepare(`SELECT ${cols} FROM items_fts JOIN items ON items.id = items_fts.rowid WHERE ${['items_fts MATCH ?', ...where].join(' AND ')} ORDER BY items.id DESC LIMIT ?`)
        .all(match, ...params, limit)
    : db.prepare(`SELECT ${cols} FROM items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY items.id DESC LIMIT ?`).all(...params, limit);
  return (rows as Record<string, unknown>[]).map((r) => ({
    id: r.id as number,
    registerNo: r.register_no as string,
    receivedAt: r.received_at as string,
    destination: r.destination as string,
    status: r.status as ItemStatus,
    sender: (r.sender_address as string | null) ?? '',
    subject: maskNirsInText((r.subject as string | null) ?? ''),
    language: (r.language as string | null) ?? '',
    confidence: (r.confidence as number | null) ?? null,
  }));
}

export function maxItemId(db: Database.Database): number {
  return ((db.prepare('SELECT MAX(id) AS m FROM items').get() as { m: number | null }).m ?? 0) as number;
}
