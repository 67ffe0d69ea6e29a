/**
 * How many IMAP keywords a destination folder holds, as the worker sees it after setting register
 * keywords (real Dovecot): the count behind the aiguillage_folder_keywords gauge and the warning.
 */
import { keywordFor, moveMessages, type MoveRequest } from '../../src/route/mailbox';
import { appendAll, imapClient, sampleMessages } from '../helpers/pipeline';
import { newImapUser } from '../helpers/services';

jest.setTimeout(60000);

test('moveMessages reports the keywords of each destination it tagged in', async () => {
  const user = await newImapUser();
  await appendAll(user, sampleMessages(5).map((m) => m.source));
  const client = imapClient(user);
  await client.connect();
  const seen: [string, number][] = [];
  const req = (uid: number, dest: string): MoveRequest => ({ uid, dest, messageId: `kw-${uid}@test`, keyword: keywordFor(`CLEISS-2026-00000${uid}`) });
  try {
    await moveMessages(client, 'INBOX', [req(1, 'Dest/A'), req(2, 'Dest/A'), req(3, 'Dest/B')], (f, n) => seen.push([f, n]));
    // A folder selected again holds the keywords set before: 2 in A, plus the 2 of this batch.
    await moveMessages(client, 'INBOX', [req(4, 'Dest/A'), req(5, 'Dest/A')], (f, n) => seen.push([f, n]));
    const a = await client.mailboxOpen('Dest/A');
    expect(a.exists).toBe(4);
  } finally {
    await client.logout();
  }
  expect(seen).toEqual([
    ['Dest/A', 2],
    ['Dest/B', 1],
    ['Dest/A', 4],
  ]);
});

test('no keyword, no report', async () => {
  const user = await newImapUser();
  await appendAll(user, sampleMessages(1).map((m) => m.source));
  const client = imapClient(user);
  await client.connect();
  const seen: [string, number][] = [];
  try {
    await moveMessages(client, 'INBOX', [{ uid: 1, dest: 'Dest/C', messageId: 'x@test', keyword: null }], (f, n) => seen.push([f, n]));
  } finally {
    await client.logout();
  }
  expect(seen).toEqual([]);
});
