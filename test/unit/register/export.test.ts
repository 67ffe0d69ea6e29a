import path from 'node:path';
import { csvCell, EXPORT_COLUMNS, exportRegisterCsv } from '../../../src/register/export';
import type { Register } from '../../../src/register/sqlite';
import { add, openRegister, tempDir } from './register-builders';

const tmp = tempDir('aig-export-');
afterAll(() => tmp.cleanup());

const NIR = '269054958815780';

/** An independent RFC 4180 reader (separator `;`), to check what a spreadsheet would see. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ';') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}`);
    else cell += c;
  }
  if (cell !== '' || row.length) throw new Error('last line not terminated by CRLF');
  return rows;
}

describe('exportRegisterCsv', () => {
  let r: Register;
  beforeAll(() => {
    r = openRegister(path.join(tmp.dir, 'export.sqlite'), () => new Date('2026-03-10T08:00:00Z'));
    add(r, { subject: 'Hors période', received: '2026-02-28T22:59:00Z' }); // 28 Feb 23:59 in Paris
    add(r, {
      subject: `=HYPERLINK("http://evil.example","clic") NIR ${NIR}`,
      name: 'Dupont; "Jean"',
      address: 'jean.dupont@example.fr',
      organisation: '+33 1 23 45 67 89',
      kind: 'lawyer',
      nir: [NIR],
      forms: ['A1', 'S1'],
      countries: ['DE', 'ES'],
      caseRefs: ['EESSI/42'],
      senderRefs: ['VR-7'],
      attachments: ['a.pdf', 'b.pdf'],
      destination: 'legislation',
      status: 'to-review',
      confidence: 0.874,
      copies: ['pcn', 'prestations'],
      received: '2026-02-28T23:30:00Z', // 1 March 00:30 in Paris
    });
    add(r, { subject: 'Ligne 1\nLigne 2', name: '@SUM(A1)', organisation: '-2+3', language: 'de', received: '2026-03-02T10:00:00Z' });
    add(r, { subject: 'Après la période', received: '2026-03-31T22:00:00Z' }); // 1 April in Paris
  });
  afterAll(() => r.close());

  const exportRows = (showNir = false) => readCsv(exportRegisterCsv(r.db, { from: '2026-03-01', to: '2026-03-31', showNir }).csv.slice(1));

  test('BOM, CRLF, ";" and the register-book header', () => {
    const { csv, rows } = exportRegisterCsv(r.db, { from: '2026-03-01', to: '2026-03-31' });
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(rows).toBe(2);
    const lines = exportRows();
    expect(lines[0]).toEqual([...EXPORT_COLUMNS]);
    expect(lines[0]).toContain('Pièces jointes');
    expect(lines.every((l) => l.length === EXPORT_COLUMNS.length)).toBe(true);
  });

  test('only the Paris days asked for, in register order, with the expected cells', () => {
    const lines = exportRows();
    const col = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
    expect(lines.slice(1).map((l) => l[col("N° d'enregistrement")])).toEqual(['DAJ-2026-000002', 'DAJ-2026-000003']);
    const first = lines[1];
    expect(first[col('Date de réception')]).toBe('01/03/2026 00:30');
    expect(first[col("Date d'enregistrement")]).toBe('10/03/2026 09:00');
    expect(first[col('Échéance')]).toBe('31/03/2026');
    expect(first[col('Expéditeur')]).toBe('Dupont; "Jean" <jean.dupont@example.fr>');
    expect(first[col("Type d'expéditeur")]).toBe('Avocat');
    expect(first[col('Destination')]).toBe('legislation');
    expect(first[col('Statut')]).toBe('À vérifier');
    expect(first[col('Confiance')]).toBe('0,87');
    expect(first[col('Copies')]).toBe('pcn, prestations');
    expect(first[col('Formulaires')]).toBe('A1, S1');
    expect(first[col('Pays')]).toBe('DE, ES');
    expect(first[col('Références')]).toBe('EESSI/42, VR-7');
    expect(first[col('Pièces jointes')]).toBe('2');
    expect(lines[2][col('Objet')]).toBe('Ligne 1\nLigne 2');
    expect(lines[2][col('Langue')]).toBe('de');
  });

  test('cells that a spreadsheet would run as formulas are prefixed with a quote', () => {
    const lines = exportRows();
    const col = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
    expect(lines[1][col('Objet')].startsWith(`'=HYPERLINK(`)).toBe(true);
    expect(lines[1][col('Organisme')]).toBe(`'+33 1 23 45 67 89`);
    expect(lines[2][col('Organisme')]).toBe(`'-2+3`);
    expect(lines[2][col('Expéditeur')]).toBe(`'@SUM(A1) <jean.dupont@example.fr>`);
    for (const line of lines) for (const cell of line) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(csvCell('\tcmd')).toBe(`'\tcmd`);
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('plain')).toBe('plain');
  });

  test('NIRs are masked (identifiers and free text) unless showNir', () => {
    const masked = exportRegisterCsv(r.db, { from: '2026-03-01', to: '2026-03-31' }).csv;
    expect(masked).not.toContain(NIR.slice(0, 11));
    const nirCell = exportRows()[1][EXPORT_COLUMNS.indexOf('NIR')];
    expect(nirCell).toBe(`${'*'.repeat(11)}${NIR.slice(-4)}`);
    expect(exportRows()[1][EXPORT_COLUMNS.indexOf('Objet')]).toContain(`NIR ${'*'.repeat(11)}5780`);
    expect(exportRows(true)[1][EXPORT_COLUMNS.indexOf('NIR')]).toBe(NIR);
  });

  test('refuses bad dates and reversed ranges', () => {
    expect(() => exportRegisterCsv(r.db, { from: '2026-3-1', to: '2026-03-31' })).toThrow(/from: expected a date/);
    expect(() => exportRegisterCsv(r.db, { from: '2026-03-31', to: '2026-03-01' })).toThrow(/before/);
  });
});
