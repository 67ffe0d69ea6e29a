import { AigError } from '../shared/errors';
import type { Register } from './sqlite';
import type { Item, ItemStatus } from './types';

/**
 * Human changes to the register made from the dashboard. Each is one transaction that updates the
 * row AND writes its history line (and, for a change of destination, a correction: the training
 * example and the misroute statistics), so the register never shows a change without its author.
 */
export type CorrectionKind = 'reassign' | 'confirm' | 'return';

export interface Correction {
  id: number;
  itemId: number;
  registerNo: string;
  kind: CorrectionKind;
  fromDestination: string;
  toDestination: string;
  fromStatus: string;
  actor: string;
  at: string;
  reason: string | null;
}

export interface CopyRow {
  unit: string;
  addedBy: string;
  addedAt: string;
}

function mustItem(reg: Register, itemId: number): Item {
  const item = reg.getItem(itemId);
  if (!item) throw new AigError('AIG_ERR_NOT_FOUND', `register item ${itemId} not found`);
  return item;
}

function requireReason(reason: string | null | undefined, what: string): string {
  const r = (reason ?? '').trim();
  if (r === '') throw new AigError('AIG_ERR_VALIDATION', `${what}: un motif est obligatoire`);
  return r.slice(0, 1000);
}

function insertCorrection(reg: Register, item: Item, kind: CorrectionKind, to: string, actor: string, reason: string | null, at: string): void {
  reg.db
    .prepare(
      `INSERT INTO corrections (item_id, register_no, kind, from_destination, to_destination, from_status, actor, at, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(item.id, item.registerNo, kind, item.destination, to, item.status, actor, at, reason);
}

export interface FolderChange {
  mailbox: string;
  uidValidity: string;
  uid: number;
  folder: string;
  /** The copy's UID in `folder` and that folder's UIDVALIDITY (from the server's COPYUID), if known. */
  folderUid?: number | null;
  folderUidValidity?: string | null;
}

/**
 * Send an item to another unit (`kind` 'reassign'), or confirm the suggested destination of an item
 * to review ('confirm' with a different destination). The row becomes routed to `to`; the message's
 * new folders (already MOVEd on the mailbox by route/reassign.ts) are recorded in `sources`.
 */
export function reassign(
  reg: Register,
  itemId: number,
  to: string,
  actor: string,
  reason: string | null,
  opts: { kind?: 'reassign' | 'confirm'; folders?: FolderChange[]; now?: Date } = {},
): Item {
  const kind = opts.kind ?? 'reassign';
  const why = kind === 'reassign' ? requireReason(reason, 'réaffectation') : (reason ?? null);
  const at = (opts.now ?? new Date()).toISOString();
  reg.db
    .transaction(() => {
      const item = mustItem(reg, itemId);
      if (kind === 'reassign' && item.destination === to && item.status !== 'to-review') {
        throw new AigError('AIG_ERR_VALIDATION', `l'élément est déjà affecté à ${to}`);
      }
      insertCorrection(reg, item, kind, to, actor, why, at);
      reg.db.prepare("UPDATE items SET destination = ?, status = 'auto-routed' WHERE id = ?").run(to, itemId);
      recordFolders(reg, opts.folders ?? [], at);
      reg.addHistory(itemId, actor, kind === 'confirm' ? 'confirmed' : 'reassigned', item.destination, to, why);
    })
    .immediate();
  return mustItem(reg, itemId);
}

function recordFolders(reg: Register, folders: FolderChange[], at: string): void {
  const stmt = reg.db.prepare('UPDATE sources SET folder = ?, moved_at = ?, folder_uid = ?, folder_uidvalidity = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?');
  for (const f of folders) stmt.run(f.folder, at, f.folderUid ?? null, f.folderUidValidity ?? null, f.mailbox, f.uidValidity, f.uid);
}

/** A supervisor agrees with an automatic decision (low margin): nothing moves, the check is recorded. */
export function confirmDecision(reg: Register, itemId: number, actor: string, now = new Date()): Item {
  const at = now.toISOString();
  reg.db
    .transaction(() => {
      const item = mustItem(reg, itemId);
      insertCorrection(reg, item, 'confirm', item.destination, actor, null, at);
      reg.addHistory(itemId, actor, 'confirmed', item.destination, item.destination, 'décision automatique confirmée');
    })
    .immediate();
  return mustItem(reg, itemId);
}

/** "Retour au secrétariat": the unit says the item is not theirs; it goes back to review. */
export function returnToSecretariat(reg: Register, itemId: number, actor: string, reason: string, opts: { folders?: FolderChange[]; now?: Date } = {}): Item {
  const why = requireReason(reason, 'retour au secrétariat');
  const at = (opts.now ?? new Date()).toISOString();
  reg.db
    .transaction(() => {
      const item = mustItem(reg, itemId);
      insertCorrection(reg, item, 'return', 'secretariat', actor, why, at);
      reg.db.prepare("UPDATE items SET destination = 'secretariat', status = 'to-review' WHERE id = ?").run(itemId);
      recordFolders(reg, opts.folders ?? [], at);
      reg.addHistory(itemId, actor, 'returned', item.destination, 'secretariat', why);
    })
    .immediate();
  return mustItem(reg, itemId);
}

export function markHandled(reg: Register, itemId: number, actor: string, note: string | null = null): Item {
  reg.db
    .transaction(() => {
      const item = mustItem(reg, itemId);
      if (item.status === 'handled') throw new AigError('AIG_ERR_VALIDATION', 'élément déjà traité');
      reg.db.prepare("UPDATE items SET status = 'handled' WHERE id = ?").run(itemId);
      reg.addHistory(itemId, actor, 'handled', item.status satisfies ItemStatus, 'handled', note?.trim() || null);
    })
    .immediate();
  return mustItem(reg, itemId);
}

/** Returns false when the unit already had a copy. */
export function addCopy(reg: Register, itemId: number, unit: string, actor: string, now = new Date()): boolean {
  return reg.db
    .transaction(() => {
      mustItem(reg, itemId);
      const res = reg.db
        .prepare('INSERT INTO item_copies (item_id, unit, added_by, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(itemId, unit, actor, now.toISOString());
      if (res.changes === 0) return false;
      reg.addHistory(itemId, actor, 'copy-added', null, unit, null);
      return true;
    })
    .immediate();
}

export function removeCopy(reg: Register, itemId: number, unit: string, actor: string): boolean {
  return reg.db
    .transaction(() => {
      const res = reg.db.prepare('DELETE FROM item_copies WHERE item_id = ? AND unit = ?').run(itemId, unit);
      if (res.changes === 0) return false;
      reg.addHistory(itemId, actor, 'copy-removed', unit, null, null);
      return true;
    })
    .immediate();
}

export function copiesOf(reg: Register, itemId: number): CopyRow[] {
  return (reg.db.prepare('SELECT unit, added_by, added_at FROM item_copies WHERE item_id = ? ORDER BY unit').all(itemId) as Record<string, string>[]).map(
    (r) => ({ unit: r.unit!, addedBy: r.added_by!, addedAt: r.added_at! }),
  );
}

function toCorrection(r: Record<string, unknown>): Correction {
  return {
    id: r.id as number,
    itemId: r.item_id as number,
    registerNo: r.register_no as string,
    kind: r.kind as CorrectionKind,
    fromDestination: r.from_destination as string,
    toDestination: r.to_destination as string,
    fromStatus: r.from_status as string,
    actor: r.actor as string,
    at: r.at as string,
    reason: (r.reason as string | null) ?? null,
  };
}

export function correctionsOf(reg: Register, itemId: number): Correction[] {
  return (reg.db.prepare('SELECT * FROM corrections WHERE item_id = ? ORDER BY id').all(itemId) as Record<string, unknown>[]).map(toCorrection);
}

/**
 * Training examples: the LAST human label of every item whose destination a person chose or
 * confirmed (a 'return' only says "not this one", so it labels nothing). Only the five automatic
 * destinations can train the model.
 */
export function labelledItems(reg: Register, destinations: readonly string[]): { itemId: number; registerNo: string; label: string }[] {
  const rows = reg.db
    .prepare(
      `SELECT c.item_id, c.register_no, c.to_destination FROM corrections c
       WHERE c.kind IN ('reassign', 'confirm')
         AND c.id = (SELECT MAX(id) FROM corrections WHERE item_id = c.item_id AND kind IN ('reassign', 'confirm'))
       ORDER BY c.item_id`,
    )
    .all() as { item_id: number; register_no: string; to_destination: string }[];
  return rows.filter((r) => destinations.includes(r.to_destination)).map((r) => ({ itemId: r.item_id, registerNo: r.register_no, label: r.to_destination }));
}
