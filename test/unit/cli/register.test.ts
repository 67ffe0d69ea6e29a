import fs from 'node:fs';
import path from 'node:path';
import { runRegister } from '../../../src/cli/register';
import { add, openRegister, tempDir } from '../register/register-builders';

const tmp = tempDir('aig-cli-register-');
afterAll(() => tmp.cleanup());

const NIR = '185057800608436';
const file = path.join(tmp.dir, 'cli.sqlite');
let registerNo = '';

beforeAll(() => {
  const r = openRegister(file);
  registerNo = add(r, {
    subject: `Détachement en Allemagne, NIR ${NIR}`,
    body: 'Nous demandons un formulaire A1 pour notre salarié (sécurité sociale).',
    name: 'Marie Martin',
    organisation: 'ACME',
    kind: 'employer',
    nir: [NIR],
    forms: ['A1'],
    countries: ['DE'],
    attachments: ['contrat.pdf'],
    destination: 'legislation',
    received: '2026-03-02T10:00:00Z',
  }).registerNo;
  add(r, { subject: 'Carte européenne', body: 'Ma CEAM a expiré', destination: 'prestations', received: '2026-03-03T10:00:00Z' });
  r.close();
});

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; lines: string[]; written: string }> {
  const lines: string[] = [];
  let written = '';
  const code = await runRegister([...argv, '--register', file], (l) => lines.push(l), { env, write: (c) => (written += c) });
  return { code, lines, written };
}

describe('aiguillage register search', () => {
  test('prints a table with a masked snippet', async () => {
    const { code, lines } = await run(['search', 'securite', 'sociale']);
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^N°\s+Reçu le\s+Destination/);
    expect(lines[1]).toContain(registerNo);
    expect(lines[1]).toContain('02/03/2026 11:00');
    expect(lines[2]).toContain('sécurité sociale');
    expect(lines.at(-1)).toBe('1 résultat');
    expect(lines.join('\n')).not.toContain(NIR.slice(0, 11));
  });

  test('--json gives one object per hit; filters apply', async () => {
    const { lines } = await run(['search', '', '--destination', 'prestations', '--json']);
    expect(lines.map((l) => JSON.parse(l).subject)).toEqual(['Carte européenne']);
    expect((await run(['search', 'A1', '--country', 'de', '--form', 'a1', '--json'])).lines).toHaveLength(1);
    expect((await run(['search', 'A1', '--from', '2026-03-03', '--json'])).lines).toHaveLength(0);
    expect((await run(['search', '--destination=legislation', '--json'])).lines.map((l) => JSON.parse(l).registerNo)).toEqual([registerNo]);
  });

  test('refuses unknown options and bad values', async () => {
    await expect(run(['search', 'x', '--colour', 'red'])).rejects.toThrow(/unknown option --colour/);
    await expect(run(['search', 'x', '--status', 'lost'])).rejects.toThrow(/--status/);
    await expect(run(['search', 'x', '--from', '03/02/2026'])).rejects.toThrow(/--from: expected a date/);
    await expect(runRegister(['search', 'x', '--register', path.join(tmp.dir, 'none.sqlite')], () => {}, { env: {} })).rejects.toThrow(/not found/);
    expect(fs.existsSync(path.join(tmp.dir, 'none.sqlite'))).toBe(false);
  });
});

describe('aiguillage register show', () => {
  test('prints index, decision, sources and history with the NIR masked', async () => {
    const { lines } = await run(['show', registerNo]);
    const text = lines.join('\n');
    for (const part of ['Index', 'Décision', 'Sources', 'Historique', 'contrat.pdf', 'TEST_RULE', 'registered', 'main/1/']) expect(text).toContain(part);
    expect(text).toMatch(/NIR\s+\*{11}8436/);
    expect(text).not.toContain(NIR.slice(0, 11));
    const json = (await run(['show', registerNo, '--json'])).lines[0];
    expect(JSON.parse(json).item.index.identifiers.nir).toEqual([`${'*'.repeat(11)}8436`]);
    expect(json).not.toContain(NIR.slice(0, 11));
  });

  test('--show-nir needs AIGUILLAGE_ROLE supervisor or admin, and is recorded', async () => {
    await expect(run(['show', registerNo, '--show-nir'])).rejects.toThrow(/--show-nir refused/);
    await expect(run(['show', registerNo, '--show-nir'], { AIGUILLAGE_ROLE: 'agent' })).rejects.toThrow(/AIGUILLAGE_ROLE is "agent"/);
    const { lines } = await run(['show', registerNo, '--show-nir'], { AIGUILLAGE_ROLE: 'supervisor' });
    expect(lines.join('\n')).toContain(NIR);
    const after = (await run(['show', registerNo, '--json'])).lines[0];
    expect(JSON.parse(after).history.map((h: { action: string }) => h.action)).toContain('nir-shown');
  });

  test('an unknown number is an error', async () => {
    await expect(run(['show', 'DAJ-1999-000001'])).rejects.toThrow(/no register line/);
  });
});

describe('aiguillage register export', () => {
  test('writes the CSV to --output, or to standard output', async () => {
    const out = path.join(tmp.dir, 'registre.csv');
    const { lines } = await run(['export', '--from', '2026-03-01', '--to', '2026-03-31', '--output', out]);
    expect(lines).toEqual([`2 lignes exportées dans ${out}`]);
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).not.toContain(NIR.slice(0, 11));
    const { written } = await run(['export', '--from', '2026-03-03', '--to', '2026-03-03']);
    expect(written.split('\r\n').filter(Boolean)).toHaveLength(2);
    await expect(run(['export', '--from', '2026-03-01'])).rejects.toThrow(/--from and --to are required/);
    await expect(run(['export', '--from', '2026-03-01', '--to', '2026-03-31', '--show-nir'])).rejects.toThrow(/refused/);
  });
});
