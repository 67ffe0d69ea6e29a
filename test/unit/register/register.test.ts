import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { dedupeKey } from '../../../src/register/identity';
import { Register } from '../../../src/register/sqlite';
import type { NewItem } from '../../../src/register/types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-register-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function newItem(uid: number, key: string, over: Partial<NewItem> = {}): NewItem {
  return {
    source: { mailbox: 'main', uidValidity: '7', uid },
    messageId: `m${uid}@example.org`,
    dedupeKey: key,
    receivedAt: new Date('2026-03-01T10:00:00Z'),
    channel: 'courriel',
    index: null,
    decision: { destination: 'pcn', status: 'routed', confidence: 0.9, reasons: [{ kind: 'rule', rule: 'X', text: 'règle X' }], suggestions: [], copies: [], tags: [] },
    error: null,
    ...over,
  };
}

describe('Register', () => {
  test('numbers are per year, gapless, in the transaction that writes the row', () => {
    let now = new Date('2025-12-31T23:59:00Z');
    const r = new Register({ path: path.join(dir, 'a.sqlite'), numberPrefix: 'DAJ', replyDelayDays: 30, now: () => now });
    expect(r.registerMessage(newItem(1, 'k1')).item.registerNo).toBe('DAJ-2025-000001');
    expect(r.registerMessage(newItem(2, 'k2')).item.registerNo).toBe('DAJ-2025-000002');
    now = new Date('2026-01-01T00:01:00Z');
    const third = r.registerMessage(newItem(3, 'k3')).item;
    expect(third.registerNo).toBe('DAJ-2026-000001');
    expect(third.deadline).toBe('2026-03-31T10:00:00.000Z');
    r.close();
  });

  test('the same source twice, or the same message on another mailbox, is one row', () => {
    const r = new Register({ path: path.join(dir, 'b.sqlite'), numberPrefix: 'DAJ', replyDelayDays: 30 });
    const first = r.registerMessage(newItem(1, 'same'));
    const again = r.registerMessage(newItem(1, 'same'));
    const elsewhere = r.registerMessage(newItem(9, 'same', { source: { mailbox: 'other', uidValidity: '1', uid: 9 } }));
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(elsewhere.created).toBe(false);
    expect(elsewhere.item.registerNo).toBe(first.item.registerNo);
    expect(r.counts()).toMatchObject({ items: 1, sources: 2 });
    expect(r.history(first.item.id).map((h) => h.action)).toEqual(['registered', 'seen-again']);
    r.close();
  });

  test('status follows the decision; an error is a dead letter with its reason', () => {
    const r = new Register({ path: path.join(dir, 'c.sqlite'), numberPrefix: 'DAJ', replyDelayDays: 30 });
    const review = r.registerMessage(newItem(1, 'a', { decision: { ...newItem(0, '').decision!, status: 'to-review', destination: 'secretariat' } })).item;
    const dead = r.registerMessage(newItem(2, 'b', { decision: null, error: 'AIG_ERR_PARSE: not a mail' })).item;
    expect(review.status).toBe('to-review');
    expect(dead.status).toBe('error');
    expect(dead.error).toBe('AIG_ERR_PARSE: not a mail');
    r.markMoved({ mailbox: 'main', uidValidity: '7', uid: 2 }, 'Aiguillage.Erreurs');
    r.markMoved({ mailbox: 'main', uidValidity: '7', uid: 2 }, 'Aiguillage.Erreurs');
    expect(r.history(dead.id).map((h) => h.action)).toEqual(['registered', 'moved']);
    r.close();
  });

  test('a move records the UID in its folder; a second copy under another UID is reported as surplus', () => {
    const r = new Register({ path: path.join(dir, 'm.sqlite'), numberPrefix: 'DAJ', replyDelayDays: 30 });
    const a = r.registerMessage(newItem(1, 'a')).item;
    const ref = { mailbox: 'main', uidValidity: '7', uid: 1 };
    // The first mover records its copy; the same record again changes nothing.
    expect(r.markMoved(ref, 'Aiguillage.pcn', 40, '99')).toBeNull();
    expect(r.markMoved(ref, 'Aiguillage.pcn', 40, '99')).toBeNull();
    // A concurrent mover of the same message made another copy: it must expunge its own (41).
    expect(r.markMoved(ref, 'Aiguillage.pcn', 41, '99')).toBe(41);
    expect(r.sourcesOf(a.id)[0]).toMatchObject({ folder: 'Aiguillage.pcn', folderUid: 40, folderUidValidity: '99' });
    // Found again after a crash without a known UID (no COPYUID): recorded, then filled in later.
    const b = r.registerMessage(newItem(2, 'b')).item;
    const refB = { mailbox: 'main', uidValidity: '7', uid: 2 };
    expect(r.markMoved(refB, 'Aiguillage.legislation')).toBeNull();
    expect(r.sourcesOf(b.id)[0]).toMatchObject({ folderUid: null });
    expect(r.markMoved(refB, 'Aiguillage.legislation', 12, '98')).toBeNull();
    expect(r.sourcesOf(b.id)[0]).toMatchObject({ folderUid: 12, folderUidValidity: '98' });
    // A move to another folder (a reassignment) replaces folder and UID.
    expect(r.markMoved(refB, 'Aiguillage.pcn', 41, '99')).toBeNull();
    expect(r.sourcesOf(b.id)[0]).toMatchObject({ folder: 'Aiguillage.pcn', folderUid: 41 });
    expect(r.history(b.id).map((h) => h.action)).toEqual(['registered', 'moved', 'moved']);
    r.close();
  });

  test('reopening a register keeps its rows and does not re-run migrations', () => {
    const file = path.join(dir, 'd.sqlite');
    const r1 = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
    r1.registerMessage(newItem(1, 'x'));
    r1.close();
    const r2 = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
    expect(r2.counts().items).toBe(1);
    expect(r2.registerMessage(newItem(2, 'y')).item.registerNo).toMatch(/-000002$/);
    r2.close();
  });
});

describe('Register.checkReady (readiness)', () => {
  test('passes on a register it can write, and writes nothing', () => {
    const file = path.join(dir, 'ready.sqlite');
    const r = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
    r.registerMessage(newItem(1, 'ready-1'));
    const other = new Database(file);
    const version = other.pragma('data_version', { simple: true });
    expect(() => r.checkReady()).not.toThrow();
    // data_version moves when another connection commits: the check committed nothing.
    expect(other.pragma('data_version', { simple: true })).toBe(version);
    other.close();
    r.close();
  });

  test('fails while another process holds the write lock, then passes again; its busy timeout is restored', () => {
    const file = path.join(dir, 'locked.sqlite');
    const r = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30, busyTimeoutMs: 4321 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    expect(() => r.checkReady(50)).toThrow(/register cannot be written: database is locked/);
    other.exec('COMMIT');
    expect(() => r.checkReady(50)).not.toThrow();
    expect(r.db.pragma('busy_timeout', { simple: true })).toBe(4321);
    other.close();
    r.close();
  });

  test('fails, and registration is refused, when the file was deleted or replaced under the running process', () => {
    const file = path.join(dir, 'gone.sqlite');
    const r = new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    // SQLite itself would go on writing into the unlinked file: the register refuses, so the
    // worker does not move the message out of the inbox on the strength of a lost row.
    expect(() => r.checkReady()).toThrow(/register file .*gone\.sqlite is gone \(ENOENT\)/);
    expect(() => r.registerMessage(newItem(1, 'gone-1'))).toThrow(/is gone \(ENOENT\): nothing is registered nor moved/);
    expect(r.db.prepare('SELECT count(*) AS n FROM items').get()).toEqual({ n: 0 });
    r.close();

    const replaced = path.join(dir, 'replaced.sqlite');
    const r2 = new Register({ path: replaced, numberPrefix: 'DAJ', replyDelayDays: 30 });
    r2.registerMessage(newItem(1, 'replaced-0'));
    const fresh = new Register({ path: path.join(dir, 'replacement.sqlite'), numberPrefix: 'DAJ', replyDelayDays: 30 });
    fresh.close();
    fs.renameSync(path.join(dir, 'replacement.sqlite'), replaced);
    expect(() => r2.checkReady()).toThrow(/was replaced since this process opened it/);
    expect(() => r2.registerMany([newItem(1, 'replaced-1')])).toThrow(/was replaced since this process opened it/);
    // A row committed before the swap: its move is not recorded into the file nobody reads any more.
    expect(() => r2.markMovedMany([{ ref: { mailbox: 'main', uidValidity: '7', uid: 1 }, folder: 'Aiguillage.pcn', uid: 7, uidValidity: '1' }])).toThrow(/was replaced since this process opened it/);
    expect(r2.db.prepare('SELECT count(*) AS n FROM sources WHERE moved_at IS NOT NULL').get()).toEqual({ n: 0 });
    r2.close();
  });
});

describe('dedupeKey', () => {
  const body = 'Bonjour,\r\nma question.\r\n';
  const headers = 'From: a@example.org\r\nSubject: Question\r\nMessage-ID: <q1@example.org>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n';
  test('ignores trace headers added by delivery', () => {
    const a = Buffer.from(`Received: from x by y\r\nDelivered-To: contact@cleiss.fr\r\n${headers}\r\n${body}`);
    const b = Buffer.from(`Received: from z by w\r\nDelivered-To: courrier@cleiss.fr\r\n${headers}\r\n${body}`);
    expect(dedupeKey(a)).toBe(dedupeKey(b));
  });
  test('differs when the body or the Message-ID differs', () => {
    const a = Buffer.from(`${headers}\r\n${body}`);
    expect(dedupeKey(Buffer.from(`${headers}\r\n${body}!`))).not.toBe(dedupeKey(a));
    expect(dedupeKey(Buffer.from(`${headers.replace('q1@', 'q2@')}\r\n${body}`))).not.toBe(dedupeKey(a));
  });
});
