import type { ImapFlow } from 'imapflow';
import type { Item, SourceRow } from '../register/types';
import { ensureFolder, keywordFor, locateMessages, type LocateHint, type Placement } from './mailbox';

/**
 * A reassignment carried out on the mailbox: the message is found in the folder the register says it
 * is in (by the UID recorded there, else its Message-ID, else its register keyword), then MOVEd to the
 * new unit's folder; the new UID (COPYUID) goes back to the register.
 */
export type MoveOutcome = { kind: 'moved'; placement: Placement } | { kind: 'already-there'; placement: Placement } | { kind: 'not-found' };

/** What the register knows to find this copy of the item in its folder. */
export function hintFor(item: Item, src: SourceRow): LocateHint {
  return {
    uid: src.folderUid,
    uidValidity: src.folderUidValidity,
    messageId: item.messageId,
    // Messages without a Message-ID, and those filed before 0.2, carry their register keyword.
    keyword: keywordFor(item.registerNo),
  };
}

export async function moveTo(client: ImapFlow, from: string, to: string, hint: LocateHint): Promise<MoveOutcome> {
  if (from === to) return { kind: 'already-there', placement: { folder: to, uid: hint.uid ?? null, uidValidity: hint.uidValidity ?? null } };
  await ensureFolder(client, to);
  const { uids } = await locateMessages(client, from, hint);
  if (uids.length === 0) {
    // An earlier attempt may have moved it and then failed to record it: look in the target.
    const there = await locateMessages(client, to, { ...hint, uid: null, uidValidity: null });
    return there.uids.length > 0 ? { kind: 'already-there', placement: { folder: to, uid: there.uids[0]!, uidValidity: there.uidValidity } } : { kind: 'not-found' };
  }
  const lock = await client.getMailboxLock(from);
  try {
    const res = await client.messageMove(uids.join(','), to, { uid: true });
    if (!res) throw new Error(`MOVE to ${to} was refused by the server`);
    const uid = res.uidMap?.get(uids[0]!) ?? null;
    return { kind: 'moved', placement: { folder: to, uid, uidValidity: uid !== null && res.uidValidity !== undefined ? String(res.uidValidity) : null } };
  } finally {
    lock.release();
  }
}

/** The raw source of a registered message in `folder`; null when it is not there (or over `maxBytes`). */
export async function fetchRegistered(client: ImapFlow, folder: string, hint: LocateHint, maxBytes: number): Promise<Buffer | null> {
  const { uids } = await locateMessages(client, folder, hint);
  const uid = uids[uids.length - 1];
  if (uid === undefined) return null;
  const lock = await client.getMailboxLock(folder);
  try {
    const meta = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
    // Never pull an over-limit message into the dashboard's memory.
    if (!meta || (meta.size ?? 0) > maxBytes) return null;
    const full = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    return full && full.source ? full.source : null;
  } finally {
    lock.release();
  }
}
