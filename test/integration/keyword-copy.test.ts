/**
 * How moveMessages carries out messages that get a register keyword (real Dovecot):
 * - with UIDPLUS, a copy is APPENDed to the destination with its bytes, flags, INTERNALDATE and the
 *   keyword, then the original is expunged; the destination is never selected (no keyword lists);
 * - an attempt cut between the APPEND and the EXPUNGE (COPYING_MARK left on the original) is finished
 *   without a second copy, and without taking another watched address's copy of the same mail for it;
 * - without UIDPLUS, MOVE then STORE in the destination, and the keyword count behind the
 *   aiguillage_folder_keywords gauge.
 */
import type { ImapFlow } from 'imapflow';
import { COPYING_MARK, keywordFor, moveMessages, type MoveRequest } from '../../src/route/mailbox';
import { appendAll, imapClient, sampleMessages } from '../helpers/pipeline';
import { newImapUser } from '../helpers/services';

jest.setTimeout(60000);

const req = (uid: number, dest: string): MoveRequest => ({ uid, dest, messageId: `kw-${uid}@test`, keyword: keywordFor(`CLEISS-2026-00000${uid}`) });

/** UID, flags and INTERNALDATE of every message of a folder. */
async function listing(client: ImapFlow, folder: string): Promise<{ uid: number; flags: string[]; date: number; source: string }[]> {
  const lock = await client.getMailboxLock(folder);
  try {
    const rows = await client.fetchAll('1:*', { uid: true, flags: true, internalDate: true, source: true });
    return rows.map((r) => ({ uid: r.uid, flags: [...(r.flags ?? [])].sort(), date: new Date(r.internalDate!).getTime(), source: r.source!.toString('latin1') }));
  } catch {
    return []; // an empty folder: "1:*" matches nothing
  } finally {
    lock.release();
  }
}

async function connected(n: number): Promise<{ client: ImapFlow; sources: Buffer[] }> {
  const user = await newImapUser();
  const sources = sampleMessages(n).map((m) => m.source);
  await appendAll(user, sources);
  const client = imapClient(user);
  await client.connect();
  return { client, sources };
}

test('with UIDPLUS: each message is copied with its bytes, flags, date and keyword, then leaves the inbox; the destination is never selected', async () => {
  const { client } = await connected(3);
  const selected: string[] = [];
  client.on('mailboxOpen', (m: { path: string }) => selected.push(m.path));
  const seen: [string, number][] = [];
  try {
    expect(client.capabilities.has('UIDPLUS')).toBe(true);
    const lock = await client.getMailboxLock('INBOX');
    await client.messageFlagsAdd('2', ['\\Flagged', '$Urgent'], { uid: true });
    lock.release();
    const before = await listing(client, 'INBOX');
    selected.length = 0;
    const placed = await moveMessages(client, 'INBOX', [req(1, 'Dest/A'), req(2, 'Dest/A'), req(3, 'Dest/B')], (f, n) => seen.push([f, n]));
    expect(selected.filter((p) => p !== 'INBOX')).toEqual([]);
    expect(await listing(client, 'INBOX')).toEqual([]);
    const a = await listing(client, 'Dest/A');
    const b = await listing(client, 'Dest/B');
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(1);
    for (const [uid, folder, copies] of [
      [1, 'Dest/A', a],
      [2, 'Dest/A', a],
      [3, 'Dest/B', b],
    ] as const) {
      const p = placed.get(uid)!;
      expect(p.folder).toBe(folder);
      const copy = copies.find((c) => c.uid === p.uid)!;
      const original = before.find((o) => o.uid === uid)!;
      expect(copy.source).toBe(original.source);
      expect(copy.date).toBe(original.date);
      expect(copy.flags).toEqual([...original.flags, req(uid, folder).keyword!].sort());
      expect(copy.flags).not.toContain(COPYING_MARK);
    }
    expect(a.find((c) => c.uid === placed.get(2)!.uid)!.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Urgent']));
    // The watch above can see a selection: listing the destinations selected them.
    expect(selected).toEqual(expect.arrayContaining(['Dest/A', 'Dest/B']));
  } finally {
    await client.logout();
  }
  expect(seen).toEqual([]); // no STORE in a destination, nothing to watch
});

/**
 * What an attempt cut between APPEND and EXPUNGE leaves: the originals `marked` carry COPYING_MARK,
 * and UID 1's copy with its register keyword is in Dest/A, dated `shiftMs` from the original.
 */
async function cutAttempt(client: ImapFlow, marked: string, shiftMs = 0): Promise<void> {
  const lock = await client.getMailboxLock('INBOX');
  await client.messageFlagsAdd(marked, [COPYING_MARK], { uid: true });
  const [one] = await client.fetchAll('1', { uid: true, source: true, internalDate: true }, { uid: true });
  lock.release();
  await client.mailboxCreate('Dest/A');
  await client.append('Dest/A', one!.source!, [req(1, 'Dest/A').keyword!], new Date(new Date(one!.internalDate!).getTime() + shiftMs));
}

test('an attempt cut between APPEND and EXPUNGE is finished without a second copy', async () => {
  const { client } = await connected(2);
  try {
    // Both originals marked; UID 1's copy was filed before the cut, UID 2's was not.
    await cutAttempt(client, '1,2');
    const placed = await moveMessages(client, 'INBOX', [req(1, 'Dest/A'), req(2, 'Dest/A')]);
    // UID 1: its copy was there, the original is gone, and the caller finds the copy (not placed).
    expect(placed.has(1)).toBe(false);
    // UID 2: marked, but no copy was made before the cut: copied now.
    expect(placed.get(2)?.folder).toBe('Dest/A');
    expect(await listing(client, 'INBOX')).toEqual([]);
    const a = await listing(client, 'Dest/A');
    expect(a).toHaveLength(2);
    expect(a.filter((c) => c.flags.includes(req(1, 'Dest/A').keyword!))).toHaveLength(1);
    expect(a.filter((c) => c.flags.includes(req(2, 'Dest/A').keyword!))).toHaveLength(1);
  } finally {
    await client.logout();
  }
});

test('a copy of the same mail filed from another watched address (same keyword, own date) is not taken for the cut copy', async () => {
  const { client } = await connected(1);
  try {
    // The copy in Dest/A has the keyword but another date: another address's copy, not UID 1's.
    await cutAttempt(client, '1', -3600_000);
    const placed = await moveMessages(client, 'INBOX', [req(1, 'Dest/A')]);
    expect(placed.get(1)?.folder).toBe('Dest/A');
    expect(await listing(client, 'INBOX')).toEqual([]);
    expect(await listing(client, 'Dest/A')).toHaveLength(2); // filed beside the other address's copy
  } finally {
    await client.logout();
  }
});

test('without UIDPLUS: MOVE, then STORE in the destination, and the keywords of each destination are reported', async () => {
  const { client } = await connected(5);
  const seen: [string, number][] = [];
  try {
    client.capabilities.delete('UIDPLUS'); // as with a server that lacks it
    await moveMessages(client, 'INBOX', [req(1, 'Dest/A'), req(2, 'Dest/A'), req(3, 'Dest/B')], (f, n) => seen.push([f, n]));
    // A folder selected again holds the keywords set before: 2 in A, plus the 2 of this batch.
    await moveMessages(client, 'INBOX', [req(4, 'Dest/A'), req(5, 'Dest/A')], (f, n) => seen.push([f, n]));
    const a = await listing(client, 'Dest/A');
    expect(a).toHaveLength(4);
    for (const uid of [1, 2, 4, 5]) expect(a.filter((c) => c.flags.includes(req(uid, 'Dest/A').keyword!))).toHaveLength(1);
    expect(await listing(client, 'INBOX')).toEqual([]);
  } finally {
    await client.logout();
  }
  expect(seen).toEqual([
    ['Dest/A', 2],
    ['Dest/B', 1],
    ['Dest/A', 4],
  ]);
});

test('no keyword: MOVE, no report', async () => {
  const { client } = await connected(1);
  const seen: [string, number][] = [];
  try {
    const placed = await moveMessages(client, 'INBOX', [{ uid: 1, dest: 'Dest/C', messageId: 'x@test', keyword: null }], (f, n) => seen.push([f, n]));
    expect(placed.get(1)?.folder).toBe('Dest/C');
    const c = await listing(client, 'Dest/C');
    expect(c).toHaveLength(1);
    expect(c[0]!.flags.filter((f) => !f.startsWith('\\'))).toEqual([]);
  } finally {
    await client.logout();
  }
  expect(seen).toEqual([]);
});
