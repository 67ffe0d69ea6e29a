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

/**
 * Fetch several messages by UID from `folder` in two round trips (metadata, then the sources of those
 * under `maxBytes`). A UID missing from the result is not in the folder (moved or deleted).
 */
export async function fetchMessages(client: ImapFlow, folder: string, uids: number[], maxBytes: number): Promise<Map<number, FetchedMessage>> {
  const out = new Map<number, FetchedMessage>();
  if (uids.length === 0) return out;
  const lock = await client.getMailboxLock(folder);
  try {
    const query = { uid: true, size: true, internalDate: true, envelope: true } as const;
    let metas = await client.fetchAll(uids.join(','), query, { uid: true });
    if (metas.length < uids.length) {
      // This session may not have been told about messages appended a moment ago (the poller's
      // connection saw them first): NOOP lets the server report them, then look again.
      await client.noop();
      metas = await client.fetchAll(uids.join(','), query, { uid: true });
    }
    const wanted = new Set(uids);
    const small: number[] = [];
    for (const m of metas) {
      if (!wanted.has(m.uid)) continue;
      const internalDate = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : null;
      const messageId = m.envelope?.messageId?.replace(/^<|>$/g, '') || null;
      const size = m.size ?? 0;
      // Over the limit: never downloaded (a 2 GB attachment must not reach memory).
      out.set(m.uid, { uid: m.uid, messageId, size, internalDate, source: null });
      if (size <= maxBytes) small.push(m.uid);
    }
    if (small.length > 0) {
      const full = await client.fetchAll(small.join(','), { uid: true, source: true }, { uid: true });
      const got = new Set<number>();
      for (const f of full) {
        const meta = out.get(f.uid);
        if (meta && f.source) (meta.source = f.source), got.add(f.uid);
      }
      // Expunged between the two fetches: treat as not there.
      for (const uid of small) if (!got.has(uid)) out.delete(uid);
    }
    return out;
  } finally {
    lock.release();
  }
}

export interface MoveRequest {
  uid: number;
  dest: string;
  keyword: string;
  /** Copies of this register entry that may rightly be in `dest` (one per registered source). */
  copies?: number;
  /** Message-ID, to find the moved copy when the server gives no COPYUID (or after a crash). */
  messageId?: string | null;
}

/**
 * MOVE the messages (one command per destination), then set each one's register keyword in its
 * destination. Returns the UIDs that were still in `folder`; the others had already been moved (by an
 * earlier attempt or a person).
 *
 * Why the keyword goes on after the MOVE: in the watched folder every new keyword makes Dovecot update
 * the sessions watching it (the poller in IDLE, the fetching connection), and a STORE there cost 15-25 ms
 * under load against ~2 ms in a destination folder nobody watches. The price is a window between MOVE
 * and STORE where a crash leaves the message in the right folder without its keyword: a retry finds it
 * by Message-ID (`findMoved`) and sets the keyword then.
 */
export async function moveMessages(client: ImapFlow, folder: string, reqs: MoveRequest[]): Promise<Set<number>> {
  for (const dest of new Set(reqs.map((r) => r.dest))) await ensureFolder(client, dest);
  const byDest = new Map<string, MoveRequest[]>();
  const newUids = new Map<MoveRequest, number>();
  let present: Set<number>;
  const lock = await client.getMailboxLock(folder);
  try {
    const uidSet = reqs.map((r) => r.uid).join(',');
    let found = await client.search({ uid: uidSet }, { uid: true });
    if (!found || found.length < new Set(reqs.map((r) => r.uid)).size) {
      // As in fetchMessages: this session may not know yet about a message another one saw.
      await client.noop();
      found = await client.search({ uid: uidSet }, { uid: true });
    }
    present = new Set(found || []);
    for (const r of reqs) if (present.has(r.uid)) byDest.set(r.dest, [...(byDest.get(r.dest) ?? []), r]);
    for (const [dest, rs] of byDest) {
      const res = await client.messageMove(rs.map((r) => r.uid).join(','), dest, { uid: true });
      if (!res) throw new Error(`MOVE of ${rs.length} message(s) to ${dest} was refused by the server`);
      for (const r of rs) {
        const to = res.uidMap?.get(r.uid);
        if (to !== undefined) newUids.set(r, to);
      }
    }
  } finally {
    lock.release();
  }
  for (const [dest, rs] of byDest) {
    const dlock = await client.getMailboxLock(dest);
    try {
      for (const r of rs) {
        const to = newUids.get(r);
        if (to !== undefined) await client.messageFlagsAdd(String(to), [r.keyword], { uid: true });
        // Without UIDPLUS (no COPYUID) the new UID is unknown: find the copy by Message-ID.
        else if (r.messageId) for (const u of await searchMessageId(client, r.messageId)) await client.messageFlagsAdd(String(u), [r.keyword], { uid: true });
      }
    } finally {
      dlock.release();
    }
  }
  return present;
}

function searchMessageId(client: ImapFlow, messageId: string): Promise<number[]> {
  return client.search({ header: { 'message-id': `<${messageId}>` } }, { uid: true }).then((r) => r || []);
}

/**
 * A message an earlier attempt moved to `folder` but may not have tagged (crash between MOVE and
 * STORE): look for its keyword, else for its Message-ID (and then set the keyword). Returns the UIDs.
 */
export async function findMoved(client: ImapFlow, folder: string, keyword: string, messageId: string | null): Promise<number[]> {
  await ensureFolder(client, folder);
  const lock = await client.getMailboxLock(folder);
  try {
    const tagged = (await client.search({ keyword }, { uid: true })) || [];
    if (tagged.length > 0 || !messageId) return tagged;
    const untagged = await searchMessageId(client, messageId);
    for (const u of untagged) await client.messageFlagsAdd(String(u), [keyword], { uid: true });
    return untagged;
  } finally {
    lock.release();
  }
}

/**
 * Expunge surplus copies of just-moved messages. A job delivered to two workers at once (its lock
 * expired while the first was still working: Redis restarted, event loop blocked) makes two sessions
 * MOVE the same UID concurrently, and Dovecot's MOVE (copy + expunge) then leaves TWO copies in
 * `dest`. Each mover checks after its own MOVE, so the later one sees both. Copies carry the register
 * keyword: keep `copies` of them (lowest UIDs) and expunge the rest — identical copies, never another
 * message. Returns how many were expunged.
 */
export async function removeSurplusCopies(client: ImapFlow, dest: string, reqs: MoveRequest[]): Promise<number> {
  const allowed = new Map<string, number>();
  for (const r of reqs) allowed.set(r.keyword, Math.max(allowed.get(r.keyword) ?? 0, r.copies ?? 1));
  const keywords = [...allowed.keys()];
  if (keywords.length === 0) return 0;
  const lock = await client.getMailboxLock(dest);
  try {
    const query = keywords.length === 1 ? { keyword: keywords[0] } : { or: keywords.map((keyword) => ({ keyword })) };
    const found = (await client.search(query, { uid: true })) || [];
    // The usual case, one copy per keyword: nothing to look at.
    if (found.length <= keywords.length) return 0;
    const byKeyword = new Map<string, number[]>();
    for (const m of await client.fetchAll(found.join(','), { uid: true, flags: true }, { uid: true })) {
      for (const k of m.flags ?? []) if (allowed.has(k)) byKeyword.set(k, [...(byKeyword.get(k) ?? []), m.uid]);
    }
    const surplus = [...byKeyword].flatMap(([k, uids]) => uids.sort((x, y) => x - y).slice(allowed.get(k)));
    if (surplus.length > 0) await client.messageDelete(surplus.join(','), { uid: true });
    return surplus.length;
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
