/**
 * Scenario 7: a message that makes a regex backtrack catastrophically would freeze the worker's event
 * loop (BullMQ then hands the job to another worker, which freezes too). Until the ninth session, a
 * body of "RINA" followed by 8,000 spaces took 162 s to index (the case-reference regex's three
 * `\s*` around optional parts: cubic), and 20,000 would have taken ~45 min.
 *
 * Each hostile body is a word that opens one of the index's or the rules' patterns, then 20,000
 * characters of one repeated piece (spaces, line breaks, letters, digits, punctuation, accents) and a
 * character that ends the match. They go through the real analysis (the compiled parse → index →
 * classify, with the shipped rules and model) in a worker thread, so that a freeze fails this test at
 * its time limit instead of hanging the suite: the whole set takes about a second, the limit is 60 s.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = path.join(__dirname, '..', '..');
const TRIGGERS = [
  'RINA', 'EESSI', 'EESSI case', 'Case ID', 'dossier EESSI', 'Fall-ID', 'caso n.', 'ID du cas', 'numéro de cas',
  'Vos réf.', 'Vos réf. n°', 'Réf. nr', 'N/Réf', 'Az.', 'Kenmerk', 'n°', 'NIR', 'SIRET', 'SIREN', 'EHIC', 'A1', 'S1', 'E 101',
  'formulaire', 'Objet :', 'http://', 'www.', 'FR:', '12-34', 'Madame, Monsieur,', 'Cordialement',
];
const PIECES = [' ', '\n', '\t', ' \n', 'a', 'A', '1', '-', '.', 'é', '1 ', 'a ', ': '];
const CHARS = 20_000;
const LIMIT_MS = 60_000;

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const path = require('node:path');
const dist = (p) => require(path.join(workerData.root, 'dist', 'src', p));
const { loadAnalysis } = dist('app/analysis-deps');
const { loadConfig } = dist('config/load');
const { silentLogger } = dist('shared/logger');
const { analyseMessage } = dist('triage/analyse');
(async () => {
  const { deps } = loadAnalysis(loadConfig({ env: {} }), silentLogger());
  const results = [];
  for (const [label, source] of workerData.messages) {
    const t0 = performance.now();
    const a = await analyseMessage(Buffer.from(source), deps);
    results.push({ label, ms: performance.now() - t0, destination: a.decision.destination, chars: a.parsed.text.length });
  }
  parentPort.postMessage(results);
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

function message(body: string): Uint8Array {
  return Buffer.from(
    `From: x@example.org\r\nTo: courrier@cleiss.fr\r\nSubject: test\r\nMessage-ID: <bt@example.org>\r\n` +
      `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    'utf8',
  );
}

interface Result {
  label: string;
  ms: number;
  destination: string;
  chars: number;
}

describe('reliability: hostile texts for the regexes', () => {
  it(`analyses ${TRIGGERS.length * PIECES.length} messages of a trigger word and ${CHARS} repeated characters well within ${LIMIT_MS / 1000} s`, async () => {
    const messages: [string, Uint8Array][] = [];
    for (const t of TRIGGERS) for (const p of PIECES) messages.push([`${t} + ${JSON.stringify(p)}`, message(`${t}${p.repeat(Math.ceil(CHARS / p.length))}!`)]);
    const worker = new Worker(WORKER_CODE, { eval: true, workerData: { root: ROOT, messages } });
    let timer: NodeJS.Timeout | undefined;
    try {
      const out = await Promise.race([
        new Promise<Result[] | { error: string }>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the analyses did not finish within ${LIMIT_MS} ms: a regex backtracks catastrophically`)), LIMIT_MS);
        }),
      ]);
      if ('error' in out) throw new Error(out.error);
      expect(out).toHaveLength(messages.length);
      for (const r of out) expect(r.chars).toBeGreaterThan(CHARS - 10);
      const slowest = out.slice().sort((a, b) => b.ms - a.ms).slice(0, 3);
      process.stdout.write(`[reliability] hostile regex texts: ${out.length} analysed; slowest ${slowest.map((r) => `${r.label} ${r.ms.toFixed(1)} ms`).join(', ')}\n`);
    } finally {
      clearTimeout(timer);
      await worker.terminate();
    }
  });
});
