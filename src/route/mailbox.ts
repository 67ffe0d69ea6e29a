import type { ImapFlow } from 'imapflow';
import { stripAngles } from '../parse/parse-message';
import { appendMessages, type AppendItem } from './append';

/**
 * Carrying a decision out on the mailbox: MOVE, and finding a message that an earlier attempt already
 * moved. Every function expects a connected client and takes the mailbox lock itself.
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

/*
 * imapflow answers `false` instead of throwing when SEARCH, STORE or EXPUNGE fail, a dropped
 * connection included: taken for "nothing found" or "done", a cut connection once left a moved
 * message without its keyword, recorded as complete. These helpers turn `false` into an error (the
 * job is retried).
 */
export async function searchUids(client: ImapFlow, query: Parameters<ImapFlow['search']>[0]): Promise<number[]> {
  const found = await client.search(query, { uid: true });
  if (!found) throw new Error('IMAP SEARCH failed (connection lost, or no folder selected)');
  return found;
}

async function addKeyword(client: ImapFlow, uid: number, keyword: string): Promise<void> {
  if (!(await client.messageFlagsAdd(String(uid), [keyword], { uid: true }))) throw new Error(`IMAP STORE of the register keyword on UID ${uid} failed (connection lost?)`);
}

/** IMAP keywords are atoms: keep letters, digits, '-', '_' and '$'. */
export function keywordFor(registerNo: string): string {
  return registerNo.replace(/[^A-Za-z0-9_$-]/g, '_');
}

/** INTERNALDATE as imapflow gives it (a Date, or a string from some servers). */
function asDate(d: Date | string | undefined): Date | null {
  return d instanceof Date ? d : d ? new Date(d) : null;
}

/**
 * UID FETCH in the selected folder. UIDs missing from the answer are asked once more after a NOOP:
 * this session may not have been told yet about messages appended a moment ago (the poller's
 * connection saw them first). A UID still missing is not in the folder.
 */
async function fetchByUid(client: ImapFlow, uids: number[], query: Parameters<ImapFlow['fetchAll']>[1]): Promise<Awaited<ReturnType<ImapFlow['fetchAll']>>> {
  const rows = await client.fetchAll(uids.join(','), query, { uid: true });
  const got = new Set(rows.map((r) => r.uid));
  const missing = uids.filter((u) => !got.has(u));
  if (missing.length === 0) return rows;
  await client.noop();
  return [...rows, ...(await client.fetchAll(missing.join(','), query, { uid: true }))];
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
    const metas = await fetchByUid(client, uids, { uid: true, size: true, internalDate: true, envelope: true });
    const wanted = new Set(uids);
    const small: number[] = [];
    for (const m of metas) {
      if (!wanted.has(m.uid)) continue;
      const internalDate = asDate(m.internalDate);
      const messageId = stripAngles(m.envelope?.messageId ?? '') || null;
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

/**
 * Fetch the sources of messages already known to be under the size limit (the poller read their
 * RFC822.SIZE): one round trip, no ENVELOPE to parse. A UID missing from the result is not in the
 * folder. `messageId` is left null: the parser reads it from the source.
 */
export async function fetchSources(client: ImapFlow, folder: string, uids: number[]): Promise<Map<number, FetchedMessage>> {
  const out = new Map<number, FetchedMessage>();
  if (uids.length === 0) return out;
  const lock = await client.getMailboxLock(folder);
  try {
    for (const f of await fetchByUid(client, uids, { uid: true, internalDate: true, source: true })) {
      if (!f.source || out.has(f.uid)) continue;
      out.set(f.uid, { uid: f.uid, messageId: null, size: f.source.length, internalDate: asDate(f.internalDate), source: f.source });
    }
    return out;
  } finally {
    lock.release();
  }
}

export interface MoveRequest {
  uid: number;
  dest: string;
  /** Message-ID, to find the moved message when the server gives no COPYUID (or after a crash). */
  messageId?: string | null;
  /**
   * The register keyword to set on the message (null: none). Set in the destination after the MOVE;
   * for a message without a Message-ID, in the watched folder BEFORE the MOVE, so that it can still
   * be recognised in its destination after a crash between MOVE and the register's record.
   */
  keyword?: string | null;
}

/** Where a message now is: its folder and, when the server said so (COPYUID), its UID there. */
export interface Placement {
  folder: string;
  uid: number | null;
  uidValidity: string | null;
}

/**
 * Carry the messages out of `folder` to their destinations. Returns, for each UID that was still in
 * `folder`, where it went (its UID there, from the server's COPYUID or APPENDUID); a UID missing from
 * the result had already left `folder` (an earlier attempt, or a person), or an earlier attempt had
 * already filed its copy (see `COPYING_MARK`): the caller finds it in its destination.
 *
 * A message that gets a register keyword is COPIED with it (APPEND of its bytes, flags and
 * INTERNALDATE, keyword added) and then expunged from `folder`, on servers with UIDPLUS: this session
 * never selects the destination. The other way, MOVE then STORE in the destination, costs much more:
 * Dovecot re-sends a folder's whole keyword list (FLAGS and PERMANENTFLAGS) to every session with the
 * folder selected each time a new keyword appears in it, and at each SELECT, and never forgets one,
 * so each STORE of a unique register number cost more than the last (README, "Known limits").
 * Without a keyword (routing.registerKeyword false), or without UIDPLUS: one MOVE per destination.
 * The register records the destination UID, so finding a message again never depends on its keyword.
 */
export async function moveMessages(
  client: ImapFlow,
  folder: string,
  reqs: MoveRequest[],
  /** Told, for each destination where keywords were set by STORE (servers without UIDPLUS), how many
   *  keywords the folder holds. */
  onFolderKeywords?: (folder: string, keywords: number) => void,
): Promise<Map<number, Placement>> {
  for (const dest of new Set(reqs.map((r) => r.dest))) await ensureFolder(client, dest);
  const placed = new Map<number, Placement>();
  let plan: CopyPlan | null = null;
  let tagAfterMove: MoveRequest[] = [];
  const lock = await client.getMailboxLock(folder);
  try {
    const uidplus = client.capabilities.has('UIDPLUS');
    let todo = reqs;
    if (!uidplus) todo = await present(client, reqs);
    let viaMove = uidplus ? todo.filter((r) => !r.keyword) : todo;
    if (uidplus) {
      plan = await planCopies(client, todo.filter((r) => r.keyword));
      viaMove = [...viaMove, ...plan.tooBig];
    }
    for (const r of viaMove) if (r.keyword && !r.messageId) await addKeyword(client, r.uid, r.keyword);
    await moveBatch(client, viaMove, placed, uidplus);
    const missed = uidplus ? viaMove.filter((r) => !placed.has(r.uid)) : [];
    if (missed.length > 0) {
      // This session may not have been told yet about messages another one saw a moment ago (the
      // poller's connection): NOOP lets the server report them, then try those once more.
      await client.noop();
      await moveBatch(client, missed, placed, uidplus);
    }
    if (plan && plan.fresh.length > 0) await copyAndExpunge(client, plan.fresh, plan.byUid, placed);
    tagAfterMove = viaMove.filter((r) => r.keyword && r.messageId && placed.has(r.uid));
  } finally {
    lock.release();
  }
  if (plan && plan.resumed.length > 0) await finishResumed(client, folder, plan.resumed, plan.byUid, placed);
  for (const dest of new Set(tagAfterMove.map((r) => r.dest))) {
    const dlock = await client.getMailboxLock(dest);
    try {
      const batch = tagAfterMove.filter((x) => x.dest === dest);
      for (const r of batch) {
        const to = placed.get(r.uid)!.uid;
        // Without COPYUID the new UID is unknown: find the copy by Message-ID.
        for (const u of to !== null ? [to] : await searchMessageId(client, r.messageId!)) await addKeyword(client, u, r.keyword!);
      }
      onFolderKeywords?.(dest, folderKeywords(client) + batch.length);
    } finally {
      dlock.release();
    }
  }
  return placed;
}

/**
 * Set, in the watched folder, on a message about to be copied to its destination; the copy is made
 * without it. Found on a message there, it says that an earlier attempt may have filed a copy already
 * (a crash, or a connection cut, between the APPEND and the EXPUNGE): the copy is looked for before
 * another is made. One keyword for every message, so the folder's keyword list grows by one, once.
 */
export const COPYING_MARK = '$AiguillageCopying';

/** Bytes of message sources fetched at once for copying (a larger message is fetched alone). */
const COPY_FETCH_BYTES = 8 * 1024 * 1024;

type CopyMeta = { uid: number; flags?: Set<string>; internalDate?: Date | string; size?: number };

interface CopyPlan {
  byUid: Map<number, MoveRequest>;
  /** To copy now; COPYING_MARK is set on them. */
  fresh: CopyMeta[];
  /** An earlier attempt began copying them (COPYING_MARK): their copies may exist (finishResumed). */
  resumed: CopyMeta[];
  /** Over the server's APPENDLIMIT: moved and tagged instead. */
  tooBig: MoveRequest[];
}

/**
 * Which of the messages to copy (`folder` selected, UIDPLUS) are still there, and how to carry each
 * out; marks those to copy now. A UID not in `folder` is in none of the lists (not placed).
 */
async function planCopies(client: ImapFlow, reqs: MoveRequest[]): Promise<CopyPlan> {
  const byUid = new Map(reqs.map((r) => [r.uid, r]));
  const plan: CopyPlan = { byUid, fresh: [], resumed: [], tooBig: [] };
  if (reqs.length === 0) return plan;
  const metas = await fetchByUid(client, [...byUid.keys()], { uid: true, flags: true, internalDate: true, size: true });
  const limit = appendLimit(client);
  for (const m of metas) {
    const r = byUid.get(m.uid);
    if (!r) continue;
    if (m.flags?.has(COPYING_MARK)) plan.resumed.push(m);
    else if ((m.size ?? 0) > limit) plan.tooBig.push(r);
    else plan.fresh.push(m);
  }
  if (plan.fresh.length > 0 && !(await client.messageFlagsAdd(plan.fresh.map((m) => m.uid).join(','), [COPYING_MARK], { uid: true }))) {
    throw new Error('IMAP STORE of the copying mark failed (connection lost?)');
  }
  return plan;
}

/** The largest message the server accepts by APPEND (RFC 7889), if it says. */
function appendLimit(client: ImapFlow): number {
  const v = client.capabilities.get('APPENDLIMIT');
  return typeof v === 'number' && v > 0 ? v : Infinity;
}

/** APPEND each message's bytes to its destination with its keyword (one MULTIAPPEND per destination
 *  and chunk where the server can), then expunge the originals. */
async function copyAndExpunge(client: ImapFlow, metas: CopyMeta[], byUid: Map<number, MoveRequest>, placed: Map<number, Placement>): Promise<void> {
  const done: number[] = [];
  for (const chunk of bySize(metas, COPY_FETCH_BYTES)) {
    const sources = await client.fetchAll(chunk.map((m) => m.uid).join(','), { uid: true, source: true }, { uid: true });
    const sourceOf = new Map(sources.map((f) => [f.uid, f.source]));
    const copies: { uid: number; dest: string; item: AppendItem }[] = [];
    for (const m of chunk) {
      const source = sourceOf.get(m.uid);
      if (!source) continue; // expunged by someone meanwhile: not placed, the caller looks for it
      const r = byUid.get(m.uid)!;
      const flags = [...(m.flags ?? [])].filter((f) => f !== COPYING_MARK);
      copies.push({ uid: m.uid, dest: r.dest, item: { source, flags: [...flags, r.keyword!], internalDate: asDate(m.internalDate) } });
    }
    for (const [dest, group] of byDestination(copies)) {
      const res = await appendMessages(client, dest, group.map((g) => g.item));
      group.forEach((g, i) => {
        placed.set(g.uid, { folder: dest, uid: res.uids[i], uidValidity: res.uidValidity });
        done.push(g.uid);
      });
    }
  }
  if (done.length > 0 && !(await client.messageDelete(done.join(','), { uid: true }))) {
    throw new Error(`IMAP EXPUNGE of ${done.length} copied message(s) failed (connection lost?)`);
  }
}

/** Consecutive groups of at most `budget` bytes (a larger message alone). */
function bySize(metas: CopyMeta[], budget: number): CopyMeta[][] {
  const out: CopyMeta[][] = [];
  let cur: CopyMeta[] = [];
  let bytes = 0;
  for (const m of metas) {
    const size = m.size ?? 0;
    if (cur.length > 0 && bytes + size > budget) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(m);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Messages an earlier attempt had begun copying: where their destination holds their copy (the
 * register keyword, and the original's INTERNALDATE, which a copy keeps: a copy of the same mail
 * that another watched address filed beside it has its own), the original is expunged and they are
 * left unplaced (the caller finds the copy, as after a crash between a MOVE and its record); where it
 * holds none, they are copied now.
 */
async function finishResumed(client: ImapFlow, folder: string, metas: CopyMeta[], byUid: Map<number, MoveRequest>, placed: Map<number, Placement>): Promise<void> {
  const filed = new Set<number>();
  const resumed = metas.map((m) => {
    const r = byUid.get(m.uid)!;
    return { m, r, dest: r.dest };
  });
  for (const [dest, group] of byDestination(resumed)) {
    const dlock = await client.getMailboxLock(dest);
    try {
      for (const { m, r } of group) {
        const copies = await searchUids(client, { keyword: r.keyword! });
        if (copies.length === 0) continue;
        const when = asDate(m.internalDate)?.getTime();
        const dates = await client.fetchAll(copies.join(','), { uid: true, internalDate: true }, { uid: true });
        if (when !== undefined && dates.some((d) => asDate(d.internalDate)?.getTime() === when)) filed.add(m.uid);
      }
    } finally {
      dlock.release();
    }
  }
  const lock = await client.getMailboxLock(folder);
  try {
    const gone = metas.filter((m) => filed.has(m.uid)).map((m) => m.uid);
    if (gone.length > 0 && !(await client.messageDelete(gone.join(','), { uid: true }))) {
      throw new Error(`IMAP EXPUNGE of ${gone.length} already copied message(s) failed (connection lost?)`);
    }
    const again = metas.filter((m) => !filed.has(m.uid));
    if (again.length > 0) await copyAndExpunge(client, again, byUid, placed);
  } finally {
    lock.release();
  }
}

/** Keywords the selected folder held when it was selected (its PERMANENTFLAGS less the system flags
 *  and '\\*'); imapflow does not follow the untagged FLAGS sent after each new keyword. */
function folderKeywords(client: ImapFlow): number {
  const flags = client.mailbox ? client.mailbox.permanentFlags : undefined;
  let n = 0;
  if (flags) for (const f of flags) if (!f.startsWith('\\')) n++;
  return n;
}

/** Set `keyword` on the message at `uid` in `folder` (a message found again after a crash). */
export async function tagMessage(client: ImapFlow, folder: string, uid: number, keyword: string): Promise<void> {
  const lock = await client.getMailboxLock(folder);
  try {
    await addKeyword(client, uid, keyword);
  } finally {
    lock.release();
  }
}

async function present(client: ImapFlow, reqs: MoveRequest[]): Promise<MoveRequest[]> {
  const uidSet = reqs.map((r) => r.uid).join(',');
  let found = await searchUids(client, { uid: uidSet });
  if (found.length < new Set(reqs.map((r) => r.uid)).size) {
    await client.noop();
    found = await searchUids(client, { uid: uidSet });
  }
  const there = new Set(found);
  return reqs.filter((r) => there.has(r.uid));
}

async function moveBatch(client: ImapFlow, reqs: MoveRequest[], placed: Map<number, Placement>, uidplus: boolean): Promise<void> {
  for (const [dest, rs] of byDestination(reqs)) {
    const res = await client.messageMove(rs.map((r) => r.uid).join(','), dest, { uid: true });
    if (!res) throw new Error(`MOVE of ${rs.length} message(s) to ${dest} was refused by the server`);
    const uidValidity = res.uidValidity !== undefined ? String(res.uidValidity) : null;
    for (const r of rs) {
      const to = res.uidMap?.get(r.uid);
      if (to !== undefined) placed.set(r.uid, { folder: dest, uid: to, uidValidity });
      // Without UIDPLUS the new UID is unknown (found later by Message-ID); `present` checked the UID.
      else if (!uidplus) placed.set(r.uid, { folder: dest, uid: null, uidValidity: null });
    }
  }
}

/** `xs` grouped by destination folder, in order of first appearance. */
function byDestination<T extends { dest: string }>(xs: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const group = out.get(x.dest);
    if (group) group.push(x);
    else out.set(x.dest, [x]);
  }
  return out;
}

function searchMessageId(client: ImapFlow, messageId: string): Promise<number[]> {
  return searchUids(client, { header: { 'message-id': `<${messageId}>` } });
}

/** What is known of a registered message's place: its UID in the folder, its Message-ID, its keyword. */
export interface LocateHint {
  uid?: number | null;
  uidValidity?: string | null;
  messageId?: string | null;
  /** The register keyword: on messages without a Message-ID, with routing.registerKeyword, and on rows filed before register migration 4. */
  keyword?: string | null;
}

/** Where `locateMessages` found a registered message: its UIDs and the folder's UIDVALIDITY. */
export interface Located {
  uids: number[];
  uidValidity: string | null;
}

/**
 * The UIDs of a registered message in `folder`: the UID the register recorded when the folder's
 * UIDVALIDITY is unchanged and the message there is still the same one, else a search by Message-ID,
 * else by register keyword. Empty when it is not there. The folder's UIDVALIDITY is read while it is
 * selected, so that a caller can record the UID it picks.
 */
export async function locateMessages(client: ImapFlow, folder: string, hint: LocateHint): Promise<Located> {
  await ensureFolder(client, folder);
  const lock = await client.getMailboxLock(folder);
  try {
    const box = client.mailbox;
    const uidValidity = box ? String(box.uidValidity) : null;
    const found = async (): Promise<number[]> => {
      if (hint.uid != null && hint.uidValidity != null && uidValidity === hint.uidValidity) {
        const m = await client.fetchOne(String(hint.uid), { uid: true, envelope: true }, { uid: true });
        const id = m ? stripAngles(m.envelope?.messageId ?? '') : null;
        if (m && (!hint.messageId || id === hint.messageId)) return [m.uid];
      }
      if (hint.messageId) {
        const byId = await searchMessageId(client, hint.messageId);
        if (byId.length > 0) return byId;
      }
      return hint.keyword ? searchUids(client, { keyword: hint.keyword }) : [];
    };
    return { uids: await found(), uidValidity };
  } finally {
    lock.release();
  }
}

/**
 * Expunge one surplus copy. A job delivered to two workers at once (its lock expired while the first
 * was still working: Redis restarted, event loop blocked) makes two sessions MOVE the same UID
 * concurrently, and Dovecot's MOVE (copy + expunge) then leaves TWO copies in `folder`, each mover
 * holding the COPYUID of its own. The register keeps the first recorded; the other mover expunges
 * the copy it made (an identical copy, never another message).
 */
export async function expungeCopy(client: ImapFlow, folder: string, uid: number): Promise<void> {
  const lock = await client.getMailboxLock(folder);
  try {
    if (!(await client.messageDelete(String(uid), { uid: true }))) throw new Error(`IMAP EXPUNGE of surplus copy UID ${uid} failed (connection lost?)`);
  } finally {
    lock.release();
  }
}
