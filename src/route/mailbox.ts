import type { ImapFlow } from 'imapflow';

/**
 * Carrying a decision out on the mailbox: keyword + MOVE, and finding a message that an earlier
 * attempt already moved. Every function expects a connected client and takes the mailbox lock itself.
 */
const createdFolders = new WeakMap<ImapFlow, Set<string>>();

/** Create a folder (and its parents) if missing. `mailboxCreate` does not throw on an existing one. */
export async function ensureFolder(client: ImapFlow, folder: string): Promise<void> {
  let known = createdFolders.get(client);
  if (!known) createdFolders.set(client, (known = new Set()));
  if (known.has(folder)) return;
  await client.mailboxCreate(folder);
  known.add(folder);
}

/** Forget the folder cache (a destination folder deleted while running is then re-created). */
export function forgetFolders(client: ImapFlow): void {
  createdFolders.delete(client);
}

/** IMAP keywords are atoms: keep letters, digits, '-', '_' and '$'. */
export function keywordFor(registerNo: string): string {
  return registerNo.replace(/[^A-Za-z0-9_$-]/g, '_');
}

export interface FetchedMessage {
  uid: number;
  messageId: string | null; // from the envelope, known even when the source is not downloaded
  size: number;
  internalDate: Date | null;
  source: Buffer | null; // null when the message is over maxBytes (not downloaded)
}

/** Fetch one message by UID from `folder`; null when it is not there (moved or deleted). */
export async function fetchMessage(client: ImapFlow, folder: string, uid: number, maxBytes: number): Promise<FetchedMessage | null> {
  const lock = await client.getMailboxLock(folder);
  try {
    const query = { uid: true, size: true, internalDate: true, envelope: true } as const;
    let meta = await client.fetchOne(String(uid), query, { uid: true });
    if (!meta || meta.uid !== uid) {
      // This session may not have been told about a message appended a moment ago (the poller's
      // connection saw it first): NOOP lets the server report it, then look again.
      await client.noop();
      meta = await client.fetchOne(String(uid), query, { uid: true });
    }
    if (!meta || meta.uid !== uid) return null;
    const internalDate = meta.internalDate instanceof Date ? meta.internalDate : meta.internalDate ? new Date(meta.internalDate) : null;
    const size = meta.size ?? 0;
    const messageId = meta.envelope?.messageId?.replace(/^<|>$/g, '') || null;
    // Over the limit: do not download it at all (a 2 GB attachment must not reach memory).
    if (size > maxBytes) return { uid, messageId, size, internalDate, source: null };
    const full = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    if (!full || !full.source) return null;
    return { uid, messageId, size, internalDate, source: full.source };
  } finally {
    lock.release();
  }
}

/**
 * Set the register keyword on the message and move it to `dest`. Returns false when the message is
 * no longer in `folder` (an earlier attempt moved it, or a person did).
 */
export async function moveWithKeyword(client: ImapFlow, folder: string, uid: number, dest: string, keyword: string): Promise<boolean> {
  await ensureFolder(client, dest);
  const lock = await client.getMailboxLock(folder);
  try {
    const present = await client.search({ uid: String(uid) }, { uid: true });
    if (!present || present.length === 0) return false;
    await client.messageFlagsAdd(String(uid), [keyword], { uid: true });
    const res = await client.messageMove(String(uid), dest, { uid: true });
    if (!res) throw new Error(`MOVE of UID ${uid} to ${dest} was refused by the server`);
    return true;
  } finally {
    lock.release();
  }
}

/** Find the UIDs carrying `keyword` in `folder` (the register number: was it already moved there?). */
export async function findByKeyword(client: ImapFlow, folder: string, keyword: string): Promise<number[]> {
  await ensureFolder(client, folder);
  const lock = await client.getMailboxLock(folder);
  try {
    const uids = await client.search({ keyword }, { uid: true });
    return uids || [];
  } finally {
    lock.release();
  }
}
