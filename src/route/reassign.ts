import type { ImapFlow } from 'imapflow';
import { ensureFolder, findByKeyword } from './mailbox';

/**
 * A reassignment carried out on the mailbox: the message is found by its register keyword (UIDs
 * change on every MOVE, the keyword does not) in the folder the register says it is in, then MOVEd
 * to the new unit's folder.
 */
export type MoveOutcome = 'moved' | 'already-there' | 'not-found';

export async function moveByKeyword(client: ImapFlow, from: string, to: string, keyword: string): Promise<MoveOutcome> {
  if (from === to) return 'already-there';
  await ensureFolder(client, to);
  const uids = await findByKeyword(client, from, keyword);
  if (uids.length === 0) {
    // An earlier attempt may have moved it and then failed to record it: look in the target.
    const there = await findByKeyword(client, to, keyword);
    return there.length > 0 ? 'already-there' : 'not-found';
  }
  const lock = await client.getMailboxLock(from);
  try {
    const res = await client.messageMove(uids.join(','), to, { uid: true });
    if (!res) throw new Error(`MOVE to ${to} was refused by the server`);
    return 'moved';
  } finally {
    lock.release();
  }
}

/** The raw source of the message carrying `keyword` in `folder`; null when it is not there. */
export async function fetchByKeyword(client: ImapFlow, folder: string, keyword: string, maxBytes: number): Promise<Buffer | null> {
  const uids = await findByKeyword(client, folder, keyword);
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
