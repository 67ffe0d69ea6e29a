import path from 'node:path';
import { MIGRATIONS } from '../../../src/register/schema';
import { buildMatchQuery, dayStartUtc, makeSnippet, parseTerms, searchRegister } from '../../../src/register/search';
import type { Register } from '../../../src/register/sqlite';
import { add, openRegister, tempDir } from './register-builders';

const tmp = tempDir('aig-search-');
afterAll(() => tmp.cleanup());

const NIR = '185057800608436';

describe('searchRegister', () => {
  let r: Register;
  beforeAll(() => {
    r = openRegister(path.join(tmp.dir, 'search.sqlite'));
    add(r, { subject: 'Question sécurité sociale', body: 'Ma couverture de Sécurité sociale en Espagne.', received: '2026-03-02T10:00:00Z', countries: ['ES'], forms: ['S1'] });
    add(r, { subject: 'Anfrage', body: 'Bitte um ubersetzung des Bescheids', language: 'de', destination: 'linguistique', received: '2026-03-03T10:00:00Z' });
    add(r, { subject: 'Übersetzung eines Formulars', body: 'Formular E106', language: 'de', destination: 'linguistique', forms: ['E106'], received: '2026-03-04T10:00:00Z' });
    add(r, {
      subject: `Attestation A1 pour le NIR ${NIR}`,
      body: 'Notre salarié détaché, rock and roll (sic).',
      address: 'rh@acme-industrie.fr',
      organisation: 'ACME Industrie',
      kind: 'employer',
      nir: [NIR],
      siren: ['732829320'],
      forms: ['A1'],
      countries: ['DE'],
      caseRefs: ['EESSI-2026/4711'],
      attachments: ['formulaire-a1.pdf'],
      destination: 'legislation',
      status: 'to-review',
      channel: 'courrier',
      received: '2026-03-31T22:30:00Z', // 1 April 00:30 in Paris
    });
  });
  afterAll(() => r.close());

  const numbers = (q: string, f = {}) => searchRegister(r.db, q, f).map((h) => h.subject);

  test('is insensitive to accents and case, both ways', () => {
    expect(numbers('securite')).toEqual(['Question sécurité sociale']);
    expect(numbers('SÉCURITÉ SOCIALE')).toEqual(['Question sécurité sociale']);
    expect(numbers('Übersetzung').sort()).toEqual(['Anfrage', 'Übersetzung eines Formulars']);
    expect(numbers('ubersetzung').sort()).toEqual(['Anfrage', 'Übersetzung eines Formulars']);
  });

  test('finds sender, organisation, identifiers, attachment names and register numbers', () => {
    const employer = [`Attestation A1 pour le NIR ${'*'.repeat(11)}8436`];
    expect(numbers('acme')).toEqual(employer);
    expect(numbers('rh@acme-industrie.fr')).toEqual(employer);
    expect(numbers('732829320')).toEqual(employer);
    expect(numbers('EESSI-2026/4711')).toEqual(employer);
    expect(numbers('formulaire-a1.pdf')).toEqual(employer);
    expect(numbers('E106')).toEqual(['Übersetzung eines Formulars']);
    const no = r.list({ limit: 10 }).find((i) => i.subject === 'Anfrage')!.registerNo;
    expect(searchRegister(r.db, no, {}).map((h) => h.registerNo)).toEqual([no]);
  });

  test('a NIR is searchable, compact or spaced, and never printed in full', () => {
    for (const q of [NIR, '1 85 05 78 006 084 36', '1.85.05.78.006.084.36']) {
      const hits = searchRegister(r.db, q, {});
      expect(hits).toHaveLength(1);
      const printed = JSON.stringify(hits);
      expect(printed).not.toContain('1850578');
      expect(printed).toContain('8436');
    }
  });

  test('prefix search with a trailing *; no prefix without it', () => {
    expect(numbers('sécu*')).toEqual(['Question sécurité sociale']);
    expect(numbers('secu')).toEqual([]);
  });

  test('filters restrict the matches', () => {
    expect(numbers('', { destination: 'linguistique' }).sort()).toEqual(['Anfrage', 'Übersetzung eines Formulars']);
    expect(numbers('formular', { destination: 'linguistique' })).toEqual(['Übersetzung eines Formulars']);
    expect(numbers('', { status: 'to-review' })).toHaveLength(1);
    expect(numbers('', { channel: 'courrier' })).toHaveLength(1);
    expect(numbers('', { senderKind: 'employer' })).toHaveLength(1);
    expect(numbers('', { country: 'es' })).toEqual(['Question sécurité sociale']);
    expect(numbers('', { form: 'a1' })).toHaveLength(1);
    expect(numbers('sécurité', { country: 'DE' })).toEqual([]);
  });

  test('date filters use Paris days, inclusive at both ends', () => {
    expect(numbers('', { from: '2026-03-03', to: '2026-03-04' }).sort()).toEqual(['Anfrage', 'Übersetzung eines Formulars']);
    // Received 2026-03-31T22:30Z = 1 April in Paris.
    expect(numbers('', { from: '2026-03-05', to: '2026-03-31' })).toEqual([]);
    expect(numbers('', { from: '2026-04-01', to: '2026-04-01' })).toHaveLength(1);
    expect(dayStartUtc('2026-04-01').toISOString()).toBe('2026-03-31T22:00:00.000Z');
    expect(dayStartUtc('2026-01-15').toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(() => searchRegister(r.db, '', { from: '2026-02-30' })).toThrow(/from: expected a date/);
  });

  test('an empty query lists the filtered rows, newest first', () => {
    const all = searchRegister(r.db, '', {});
    expect(all.map((h) => h.receivedAt)).toEqual([...all.map((h) => h.receivedAt)].sort().reverse());
    expect(all).toHaveLength(4);
    expect(searchRegister(r.db, '', {}, 2)).toHaveLength(2);
  });

  test('FTS-hostile input never raises a syntax error and is searched literally', () => {
    const hostile = ['"', 'AND', '*', '(', ')', 'NEAR', 'NEAR(a b)', 'a"b', 'foo AND', 'OR NOT', '-x', '^x', 'subject:x', '"unbalanced', 'x*y', '**', 'a\u0000b', '{subject}: x', "l'assurance"];
    for (const q of hostile) expect(() => searchRegister(r.db, q, {})).not.toThrow();
    // "AND" is a word of the employer's body, not an operator.
    expect(numbers('AND')).toHaveLength(1);
    expect(numbers('rock AND roll')).toHaveLength(1);
    expect(numbers('rock OR espagne')).toEqual([]);
    expect(buildMatchQuery('a"b NEAR *')).toBe('"a""b" "NEAR"');
    expect(buildMatchQuery('( * "')).toBeNull();
  });

  test('random strings of FTS5 syntax characters never raise an error', () => {
    const alphabet = ['"', "'", '*', '(', ')', ':', '^', '+', '-', '{', '}', ',', 'AND', 'OR', 'NOT', 'NEAR', 'a', 'é', ' ', '\\', '\u0000', '💥'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 500; i++) {
      const q = Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(next() % 2 ? '' : ' ');
      expect(() => searchRegister(r.db, q, {})).not.toThrow();
    }
  });

  test('the delete trigger removes the FTS row', () => {
    const item = add(r, { subject: 'Temporaire zanzibar', received: '2026-03-05T10:00:00Z' });
    expect(numbers('zanzibar')).toHaveLength(1);
    r.db.prepare('DELETE FROM history WHERE item_id = ?').run(item.id);
    r.db.prepare('DELETE FROM sources WHERE item_id = ?').run(item.id);
    r.db.prepare('DELETE FROM items WHERE id = ?').run(item.id);
    expect(numbers('zanzibar')).toEqual([]);
  });
});

describe('makeSnippet', () => {
  test('centres on the first match and cuts at spaces', () => {
    const text = `${'avant '.repeat(40)}le mot cible est ici ${'après '.repeat(40)}`;
    const s = makeSnippet(text, parseTerms('CIBLE'));
    expect(s).toMatch(/^… avant .*le mot cible est ici .*après …$/);
    expect(s.length).toBeLessThan(200);
  });

  test('a spaced NIR cut by the window edge is not left partly readable', () => {
    for (let pad = 40; pad < 80; pad++) {
      const text = `${'x'.repeat(pad)} NIR 1 85 05 78 006 084 36 ${'y '.repeat(20)}cible`;
      const s = makeSnippet(text, parseTerms('cible'));
      expect(s).not.toMatch(/78 006|006 084|05 78/);
    }
  });
});

describe('migration 2 on a register created before it', () => {
  test('backfills the old rows and keeps indexing new ones', () => {
    const file = path.join(tmp.dir, 'old.sqlite');
    jest.isolateModules(() => {
      jest.doMock('../../../src/register/schema', () => ({ MIGRATIONS: MIGRATIONS.slice(0, 1) }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Register: OldRegister } = require('../../../src/register/sqlite') as typeof import('../../../src/register/sqlite');
      const old = new OldRegister({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30 });
      add(old, { subject: 'Demande de remboursement', body: 'Soins reçus à Zürich', countries: ['CH'] });
      expect(old.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'items_fts'").get()).toEqual({ n: 0 });
      old.close();
    });
    jest.dontMock('../../../src/register/schema');
    const r = openRegister(file);
    expect(r.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: MIGRATIONS.length });
    expect(searchRegister(r.db, 'zurich', {}).map((h) => h.subject)).toEqual(['Demande de remboursement']);
    add(r, { subject: 'Nouvelle demande', body: 'Soins à Zürich encore' });
    expect(searchRegister(r.db, 'ZURICH', {})).toHaveLength(2);
    r.close();
  });
});
