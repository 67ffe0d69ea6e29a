import type Database from 'better-sqlite3';
import { dayStartUtc } from '../register/search';

/** Figures of the statistics page, over received dates [from, to] (Paris days, inclusive). */
export interface Stats {
  total: number;
  perDestination: { label: string; value: number }[];
  perDay: { label: string; value: number }[];
  decided: number;
  reviewed: number;
  reviewRate: number;
  routed: number;
  misrouted: number;
  misrouteRate: number;
  corrections: number;
  confusion: { labels: string[]; matrix: number[][] };
}

export function computeStats(db: Database.Database, from: string, to: string, units: string[]): Stats {
  const lo = dayStartUtc(from).toISOString();
  const hi = dayStartUtc(to, 1).toISOString();
  const range = 'received_at >= ? AND received_at < ?';
  const one = (sql: string) => (db.prepare(sql).get(lo, hi) as { n: number }).n;
  const perDestination = (db.prepare(`SELECT destination AS label, COUNT(*) AS value FROM items WHERE ${range} GROUP BY destination ORDER BY value DESC`).all(lo, hi) as {
    label: string;
    value: number;
  }[]);
  // Days in Paris time: the register's calendar (a mail at 00:30 Paris on the 2nd is the 2nd).
  const days = db.prepare(`SELECT received_at FROM items WHERE ${range}`).all(lo, hi) as { received_at: string }[];
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
  const byDay = new Map<string, number>();
  for (let t = new Date(`${from}T12:00:00Z`); fmt.format(t) <= to; t = new Date(t.getTime() + 86400000)) byDay.set(fmt.format(t), 0);
  for (const d of days) {
    const k = fmt.format(new Date(d.received_at));
    byDay.set(k, (byDay.get(k) ?? 0) + 1);
  }
  const decided = one(`SELECT COUNT(*) AS n FROM items WHERE ${range} AND decision_json IS NOT NULL`);
  const reviewed = one(`SELECT COUNT(*) AS n FROM items WHERE ${range} AND json_extract(decision_json, '$.status') = 'to-review'`);
  const routed = one(`SELECT COUNT(*) AS n FROM items WHERE ${range} AND json_extract(decision_json, '$.status') = 'routed'`);
  // A misroute: an automatically routed item that a person then sent elsewhere or returned.
  const misrouted = one(
    `SELECT COUNT(DISTINCT c.item_id) AS n FROM corrections c JOIN items ON items.id = c.item_id
     WHERE items.${range.replace(/received_at/g, 'received_at')} AND c.kind IN ('reassign', 'return') AND c.from_status = 'auto-routed'
       AND json_extract(items.decision_json, '$.status') = 'routed'`,
  );
  const corrections = one(`SELECT COUNT(*) AS n FROM corrections c JOIN items ON items.id = c.item_id WHERE items.${range}`);
  const pairs = db
    .prepare(`SELECT json_extract(decision_json, '$.destination') AS a, destination AS b, COUNT(*) AS n FROM items WHERE ${range} AND decision_json IS NOT NULL GROUP BY a, b`)
    .all(lo, hi) as { a: string; b: string; n: number }[];
  const used = new Set(pairs.flatMap((p) => [p.a, p.b]));
  const labels = units.filter((u) => used.has(u)).concat([...used].filter((u) => !units.includes(u)));
  const matrix = labels.map((a) => labels.map((b) => pairs.find((p) => p.a === a && p.b === b)?.n ?? 0));
  return {
    total: perDestination.reduce((s, d) => s + d.value, 0),
    perDestination,
    perDay: [...byDay.entries()].sort().map(([label, value]) => ({ label, value })),
    decided,
    reviewed,
    reviewRate: decided ? reviewed / decided : 0,
    routed,
    misrouted,
    misrouteRate: routed ? misrouted / routed : 0,
    corrections,
    confusion: { labels, matrix },
  };
}
