import type Database from 'better-sqlite3';
import { AigError } from '../shared/errors';

/**
 * Retention: after N days the text of a message (body and attachment text, held in index.text) is
 * no longer needed to run the service and is personal data we must not keep (GDPR storage
 * limitation). The register line itself, its identifiers and its history stay: they are the
 * administrative record.
 */

export const RETENTION_ACTOR = 'retention';
const DAY_MS = 86_400_000;

function cutoffIso(olderThanDays: number, now: Date): string {
  if (!Number.isInteger(olderThanDays) || olderThanDays <= 0) {
    throw new AigError('AIG_ERR_USAGE', `olderThanDays: expected a whole number of days above 0, got ${olderThanDays}`);
  }
  return new Date(now.getTime() - olderThanDays * DAY_MS).toISOString();
}

// Items received before the cutoff whose text has not been purged yet (purging twice is a no-op).
const PURGEABLE = `FROM items WHERE received_at < ? AND index_json IS NOT NULL AND coalesce(json_extract(index_json, '$.text'), '') <> ''`;

/** How many items purgeBodies would purge (for a dry run). */
export function countPurgeable(db: Database.Database, olderThanDays: number, now = new Date()): number {
  return (db.prepare(`SELECT COUNT(*) AS n ${PURGEABLE}`).get(cutoffIso(olderThanDays, now)) as { n: number }).n;
}

/**
 * Empty index.text of every item received more than `olderThanDays` days before `now`, with one
 * history line per item; the FTS row follows through the migration-2 trigger. Returns the number
 * of items purged.
 */
export function purgeBodies(db: Database.Database, olderThanDays: number, now = new Date()): number {
  const cutoff = cutoffIso(olderThanDays, now);
  const nowIso = now.toISOString();
  // Without secure_delete the old text stays readable in free pages of the file until a VACUUM.
  const previous = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  try {
    const purge = db.transaction((): number => {
      const ids = (db.prepare(`SELECT id ${PURGEABLE} ORDER BY id`).all(cutoff) as { id: number }[]).map((r) => r.id);
      const update = db.prepare(`UPDATE items SET index_json = json_set(index_json, '$.text', '') WHERE id = ?`);
      const history = db.prepare(
        `INSERT INTO history (item_id, at, actor, action, from_value, to_value, reason) VALUES (?, ?, ?, 'text-purged', NULL, NULL, ?)`,
      );
      const reason = `texte du message et des pièces jointes effacé (reçu il y a plus de ${olderThanDays} jours)`;
      for (const id of ids) {
        update.run(id);
        history.run(id, nowIso, RETENTION_ACTOR, reason);
      }
      return ids.length;
    });
    const purged = purge.immediate();
    if (purged > 0) scrubLeftovers(db);
    return purged;
  } finally {
    db.pragma(`secure_delete = ${previous ? 'ON' : 'OFF'}`);
  }
}

/**
 * FTS5 records a deletion as a marker in a new segment: the purged words stay in the older segments
 * until they are merged. 'optimize' merges them all (and, with secure_delete, zeroes the freed
 * pages); the checkpoint moves the result into the main file and truncates the WAL, which still
 * held copies of the old pages.
 */
function scrubLeftovers(db: Database.Database): void {
  db.prepare(`INSERT INTO items_fts (items_fts) VALUES ('optimize')`).run();
  db.pragma('wal_checkpoint(TRUNCATE)');
}
