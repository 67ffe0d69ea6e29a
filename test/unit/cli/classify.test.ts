/** The `aiguillage classify` contract (other tools depend on it): one JSON object per line, an error
 *  line for an unreadable or non-mail file, non-zero exit when any file failed. Runs the built CLI. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'aiguillage.js');

function classify(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'classify', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1', IMAP_HOST: '127.0.0.1', IMAP_PORT: '1' } });
  return { code: r.status, lines: r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)), stderr: r.stderr };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('prints one JSON object per file with the contract fields, without Redis or IMAP', () => {
  const samples = fs.readdirSync(path.join(ROOT, 'config', 'samples')).filter((f) => f.endsWith('.eml')).slice(0, 3).map((f) => path.join(ROOT, 'config', 'samples', f));
  const { code, lines } = classify(samples);
  expect(code).toBe(0);
  expect(lines).toHaveLength(3);
  for (const [i, l] of lines.entries()) {
    expect(l.file).toBe(samples[i]);
    expect(['secretariat', 'legislation', 'prestations', 'linguistique', 'pcn']).toContain(l.destination);
    expect(['routed', 'to-review']).toContain(l.status);
    expect(l.confidence).toBeGreaterThanOrEqual(0);
    expect(l.confidence).toBeLessThanOrEqual(1);
    expect(l.reasons.length).toBeGreaterThan(0);
    expect(typeof l.language).toBe('string');
    expect(l.index.identifiers).toBeDefined();
    expect(l.index.text).toBeUndefined();
  }
});

test('an unreadable or non-mail file gives an error line, the run goes on, exit code is non-zero', () => {
  const garbage = path.join(dir, 'photo.jpg');
  fs.writeFileSync(garbage, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]));
  const sample = path.join(ROOT, 'config', 'samples', fs.readdirSync(path.join(ROOT, 'config', 'samples')).find((f) => f.endsWith('.eml'))!);
  const { code, lines } = classify([path.join(dir, 'missing.eml'), garbage, sample]);
  expect(code).toBe(1);
  expect(lines).toHaveLength(3);
  expect(lines[0].error).toMatch(/ENOENT|no such file/i);
  expect(lines[1].error).toMatch(/not a mail/);
  expect(lines[2].destination).toBeDefined();
});

test('--received sets the receipt date (time-aware rules); NIRs are masked in the output', () => {
  const eml = path.join(dir, 'nir.eml');
  // 1 84 12 75 123 456 + key 97 - (1841275123456 mod 97)
  const base = 1841275123456n;
  const key = String(97n - (base % 97n)).padStart(2, '0');
  const nir = `${base}${key}`;
  fs.writeFileSync(eml, `From: Jean Dupont <jean.dupont@example.org>\r\nTo: contact@cleiss.fr\r\nSubject: Ma pension\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\nMessage-ID: <nir.1@example.org>\r\n\r\nBonjour, mon numéro de sécurité sociale est ${nir}. Ma pension allemande n'est pas versée.\r\n`);
  const { code, lines, stderr } = classify(['--received', '2021-05-04', eml]);
  expect(code).toBe(0);
  expect(lines[0].received).toBe('2021-05-04T12:00:00.000Z');
  const out = JSON.stringify(lines[0]) + stderr;
  expect(out).not.toContain(nir);
  expect(lines[0].index.identifiers.nir).toHaveLength(1);
  expect(lines[0].index.identifiers.nir[0]).toMatch(/\*{11}\d{4}$/);
});
