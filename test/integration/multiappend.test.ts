/**
 * appendMessages against a real Dovecot: several messages to one folder go in ONE APPEND command
 * (MULTIAPPEND), each UID it reports holds the right message with its flags and date; without the
 * capability, one APPEND each with the same result; a refused command stores nothing.
 */
import type { ImapFlow } from 'imapflow';
import { appendMessages, canMultiAppend, type AppendItem } from '../../src/route/append';
import { imapClient, sampleMessages } from '../helpers/pipeline';
import { newImapUser } from '../helpers/services';

jest.setTimeout(60000);

async function connected(): Promise<ImapFlow> {
  const client = imapClient(await newImapUser());
  await client.connect();
  return client;
}

/** Count the APPEND commands the client sends (a spy on imapflow's command path, the real one runs). */
function countAppends(client: ImapFlow): () => number {
  const raw = client as unknown as { exec: (cmd: string, ...rest: unknown[]) => Promise<unknown> };
  const exec = raw.exec.bind(client);
  let n = 0;
  raw.exec = (cmd: string, ...rest: unknown[]) => {
    if (cmd.toUpperCase() === 'APPEND') n++;
    return exec(cmd, ...rest);
  };
  return () => n;
}

function items(): AppendItem[] {
  // Sizes either side of the 4 KB non-synchronising literal limit, and distinct flags and dates.
  // With CRLF line ends, as the worker's copies are (fetched from the server): stored byte for byte.
  const sources = sampleMessages(5).map((m) => Buffer.from(m.source.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'));
  sources.push(Buffer.concat([sources[0], Buffer.from('x'.repeat(9000) + '\r\n')]));
  return sources.map((source, i) => ({
    source,
    flags: i % 2 === 0 ? ['\\Seen', `$DAJ-2026-00000${i}`] : [`$DAJ-2026-00000${i}`, '\\Recent'],
    internalDate: new Date(Date.UTC(2026, 0, 3 + i, 8, i, 7)),
  }));
}

async function stored(client: ImapFlow, folder: string): Promise<Map<number, { source: string; flags: string[]; date: number }>> {
  const lock = await client.getMailboxLock(folder);
  try {
    const rows = await client.fetchAll('1:*', { uid: true, flags: true, internalDate: true, source: true });
    return new Map(rows.map((r) => [r.uid, { source: r.source!.toString('latin1'), flags: [...(r.flags ?? [])].filter((f) => f !== '\\Recent').sort(), date: new Date(r.internalDate!).getTime() }]));
  } finally {
    lock.release();
  }
}

function expectPlaced(list: AppendItem[], uids: number[], got: Map<number, { source: string; flags: string[]; date: number }>): void {
  expect(uids).toHaveLength(list.length);
  expect(new Set(uids).size).toBe(list.length);
  expect(got.size).toBe(list.length);
  list.forEach((it, i) => {
    const m = got.get(uids[i])!;
    expect(m.source).toBe(it.source.toString('latin1'));
    expect(m.flags).toEqual(it.flags.filter((f) => f !== '\\Recent').sort());
    expect(m.date).toBe(it.internalDate!.getTime());
  });
}

test.each([
  ['with MULTIAPPEND: one command for all', true],
  ['without MULTIAPPEND: one APPEND a message', false],
])('%s, and each reported UID holds its own message, flags and date', async (_what, multi) => {
  const client = await connected();
  try {
    if (!multi) client.capabilities.delete('MULTIAPPEND');
    expect(canMultiAppend(client)).toBe(multi);
    await client.mailboxCreate('Dest/Législation'); // a name that needs modified UTF-7
    const appends = countAppends(client);
    const list = items();
    const res = await appendMessages(client, 'Dest/Législation', list);
    expect(appends()).toBe(multi ? 1 : list.length);
    expect(res.uidValidity).toMatch(/^\d+$/);
    expectPlaced(list, res.uids, await stored(client, 'Dest/Législation'));
  } finally {
    await client.logout();
  }
});

test('a refused MULTIAPPEND throws and stores none of its messages', async () => {
  const client = await connected();
  try {
    await client.mailboxCreate('Dest/B');
    const list = items();
    // The folder does not exist: the server answers NO [TRYCREATE] for the whole command.
    await expect(appendMessages(client, 'Dest/Missing', list)).rejects.toThrow();
    // The connection is still usable afterwards, and nothing went anywhere.
    const res = await appendMessages(client, 'Dest/B', list.slice(0, 2));
    expect(res.uids).toHaveLength(2);
    const list2 = await client.list();
    expect(list2.map((f) => f.path)).not.toContain('Dest/Missing');
    expect((await stored(client, 'Dest/B')).size).toBe(2);
  } finally {
    await client.logout();
  }
});

test('a message holding a NUL byte goes in the same command and is stored as a single APPEND stores it', async () => {
  const client = await connected();
  try {
    await client.mailboxCreate('Dest/C');
    await client.mailboxCreate('Dest/D');
    const list = items().slice(0, 3);
    // A raw NUL in a body (broken senders do this): sent as a literal8 where the server has BINARY.
    list[1] = { ...list[1], source: Buffer.concat([list[1].source, Buffer.from('avant\u0000apres\r\n', 'latin1')]) };
    const appends = countAppends(client);
    const res = await appendMessages(client, 'Dest/C', list);
    expect(appends()).toBe(1);
    const single = await client.append('Dest/D', list[1].source);
    if (!single || !single.uid) throw new Error('the single APPEND failed');
    const got = await stored(client, 'Dest/C');
    // Dovecot drops the NUL from what it serves either way: the copy is what one APPEND would make.
    expect(got.get(res.uids[1])!.source).toBe((await stored(client, 'Dest/D')).get(single.uid)!.source);
    expect(got.get(res.uids[1])!.source).toContain('apres');
    expect(got.get(res.uids[0])!.source).toBe(list[0].source.toString('latin1'));
    expect(got.get(res.uids[2])!.source).toBe(list[2].source.toString('latin1'));
  } finally {
    await client.logout();
  }
});
