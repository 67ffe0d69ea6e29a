/**
 * `aiguillage import`: a folder's history (mail people already handled) enters the register as
 * `handled`, where it is. Nothing moves, nothing gets \Seen; a second run imports nothing again; a
 * reply to an imported message then follows the imported desk.
 */
import { Writable } from 'node:stream';
import { runImport, type ImportReport } from '../../src/cli/import';
import { Register } from '../../src/register/sqlite';
import { imapClient, inventory, pipelineEnv, sampleMessages } from '../helpers/pipeline';

jest.setTimeout(60000);

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write: (c, _e, cb) => ((buf += String(c)), cb()) }), text: () => buf };
}

test('a history folder is registered as handled, in place, once', async () => {
  const p = await pipelineEnv('import');
  const samples = sampleMessages(5).map((m) => m.source);
  const c = imapClient(p.user);
  await c.connect();
  await c.mailboxCreate('Archives');
  for (const s of samples) await c.append('Archives', s);
  await c.logout();

  const first = sink();
  expect(await runImport(['--folder', 'Archives', '--destination', 'pcn', '--json'], p.env, first.stream)).toBe(0);
  const report = JSON.parse(first.text()) as ImportReport;
  expect(report).toMatchObject({ folder: 'Archives', messages: 5, imported: 5, known: 0, refused: [] });
  expect(report.byDestination).toEqual({ pcn: 5 });

  const inv = await inventory(p.user);
  // Still all in Archives, unread, untagged.
  expect(inv.map((m) => m.folder)).toEqual(Array(5).fill('Archives'));
  expect(inv.every((m) => m.keywords.length === 0)).toBe(true);
  const r = new Register({ path: p.registerPath, numberPrefix: 'DAJ', replyDelayDays: 30 });
  try {
    const items = r.list({ limit: 10 });
    expect(items).toHaveLength(5);
    for (const it of items) {
      expect(it).toMatchObject({ status: 'handled', destination: 'pcn' });
      expect(it.decision?.reasons.length).toBeGreaterThan(0); // the classifier's decision is kept
      const [src] = r.sourcesOf(it.id);
      expect(src!.folder).toBe('Archives');
      expect(inv.find((m) => m.uid === src!.folderUid)?.messageId).toBe(it.messageId);
      expect(r.history(it.id).map((h) => h.action)).toEqual(['imported']);
    }
    // A reply to an imported message follows its desk.
    expect(r.findByMessageIds([items[0]!.messageId!])?.destination).toBe('pcn');
  } finally {
    r.close();
  }
  const flags = imapClient(p.user);
  await flags.connect();
  const lock = await flags.getMailboxLock('Archives');
  try {
    const seen = (await flags.fetchAll('1:*', { uid: true, flags: true })).filter((m) => m.flags?.has('\\Seen'));
    expect(seen).toEqual([]);
  } finally {
    lock.release();
    await flags.logout();
  }

  const again = sink();
  expect(await runImport(['--folder', 'Archives', '--json'], p.env, again.stream)).toBe(0);
  expect(JSON.parse(again.text())).toMatchObject({ messages: 5, imported: 0, known: 5 });
});

test('the watched folder and unknown desks are refused', async () => {
  const p = await pipelineEnv('import-refused');
  await expect(runImport(['--folder', 'INBOX'], p.env)).rejects.toThrow(/dossier surveillé/);
  await expect(runImport(['--folder', 'Archives', '--destination', 'compta'], p.env)).rejects.toThrow(/--destination/);
  await expect(runImport([], p.env)).rejects.toThrow(/--folder est obligatoire/);
});
