import fs from 'node:fs';
import path from 'node:path';
import { runRegister } from '../../../src/cli/register';
import { countPurgeable, purgeBodies } from '../../../src/register/retention';
import { searchRegister } from '../../../src/register/search';
import { add, openRegister, tempDir } from './register-builders';

const tmp = tempDir('aig-retention-');
afterAll(() => tmp.cleanup());

const NOW = new Date('2026-06-30T12:00:00Z');
// A word that appears nowhere else, to look for it in the raw database file.
const SECRET = 'quetzalcoatlxyz';

function rawBytesContain(file: string, word: string): boolean {
  const parts = [file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
  return Buffer.concat(parts).includes(Buffer.from(word, 'utf8'));
}

describe('purgeBodies', () => {
  test('erases the text of old items, keeps the line and identifiers, and records it', () => {
    const file = path.join(tmp.dir, 'purge.sqlite');
    const r = openRegister(file, () => NOW);
    const old = add(r, { subject: 'Demande ancienne', body: `Texte confidentiel ${SECRET} de l'assuré`, forms: ['S1'], nir: ['185057800608436'], received: '2026-03-01T10:00:00Z' });
    const recent = add(r, { subject: 'Demande récente', body: 'Texte récent kinkajou', received: '2026-06-20T10:00:00Z' });
    expect(searchRegister(r.db, SECRET, {})).toHaveLength(1);
    expect(rawBytesContain(file, SECRET)).toBe(true);

    expect(countPurgeable(r.db, 30, NOW)).toBe(1);
    expect(purgeBodies(r.db, 30, NOW)).toBe(1);

    const after = r.getItem(old.id)!;
    expect(after.index!.text).toBe('');
    expect(after.registerNo).toBe(old.registerNo);
    expect(after.subject).toBe('Demande ancienne');
    expect(after.index!.identifiers.forms).toEqual(['S1']);
    expect(after.index!.identifiers.nir).toEqual(['185057800608436']);
    expect(r.getItem(recent.id)!.index!.text).toContain('kinkajou');
    const last = r.history(old.id).at(-1)!;
    expect(last).toMatchObject({ actor: 'retention', action: 'text-purged', at: NOW.toISOString() });
    expect(r.history(recent.id).map((h) => h.actor)).not.toContain('retention');

    // The FTS row followed (update trigger): the text is gone, the subject and identifiers stay searchable.
    expect(searchRegister(r.db, SECRET, {})).toEqual([]);
    expect(searchRegister(r.db, 'ancienne', {}).map((h) => h.registerNo)).toEqual([old.registerNo]);
    expect(searchRegister(r.db, 'S1', {}).map((h) => h.registerNo)).toEqual([old.registerNo]);
    expect(searchRegister(r.db, 'kinkajou', {})).toHaveLength(1);
    // …and no copy is left in the file (free pages, old FTS segments, WAL).
    expect(rawBytesContain(file, SECRET)).toBe(false);

    expect(purgeBodies(r.db, 30, NOW)).toBe(0);
    expect(r.history(old.id).filter((h) => h.actor === 'retention')).toHaveLength(1);
    r.close();
  });

  test('refuses zero, negative and fractional ages', () => {
    const r = openRegister(path.join(tmp.dir, 'refuse.sqlite'));
    for (const days of [0, -1, 1.5, Number.NaN]) expect(() => purgeBodies(r.db, days)).toThrow(/olderThanDays/);
    r.close();
  });
});

describe('aiguillage register purge', () => {
  test('purges through the CLI, refuses 0 and negative ages', async () => {
    const file = path.join(tmp.dir, 'cli.sqlite');
    const r = openRegister(file);
    const item = add(r, { subject: 'Vieux', body: 'corps ancien ocelot', received: '2020-01-01T10:00:00Z' });
    r.close();
    const lines: string[] = [];
    const run = (...argv: string[]) => runRegister(['purge', ...argv, '--register', file], (l) => lines.push(l), { env: {} });
    await expect(run('--older-than', '0')).rejects.toThrow(/--older-than: expected a whole number/);
    await expect(run('--older-than', '-3')).rejects.toThrow(/--older-than/);
    await expect(run()).rejects.toThrow(/--older-than DAYS is required/);
    expect(await run('--older-than', '365', '--dry-run')).toBe(0);
    expect(lines.pop()).toMatch(/^1 message\(s\) à purger/);
    expect(await run('--older-than', '365')).toBe(0);
    expect(lines.pop()).toMatch(/^1 message\(s\) purgé/);
    const again = openRegister(file);
    expect(again.getItem(item.id)!.index!.text).toBe('');
    again.close();
  });
});
