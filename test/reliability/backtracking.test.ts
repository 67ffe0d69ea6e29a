/**
 * Scenario 7: a message that makes a regex backtrack catastrophically would freeze the worker's event
 * loop (BullMQ then hands the job to another worker, which freezes too). Until the ninth session, a
 * body of "RINA" followed by 8,000 spaces took 162 s to index (the case-reference regex's three
 * `\s*` around optional parts: cubic), and 20,000 would have taken ~45 min.
 *
 * Each hostile body is a word that opens one of the index's or the rules' patterns, then 20,000
 * characters of one repeated piece (spaces, line breaks, letters, digits, punctuation, accents), then
 * a character that ends the match ("!") or one that goes on with it ("x": a run of punctuation inside
 * a reference token, which trimRef's /[._\-/]+$/ took in quadratic time: 0.4 s at 32,000). They go
 * through the real analysis (the compiled parse → index → classify, with the shipped rules and model)
 * in a worker thread, so that a freeze fails this test at its time limit instead of hanging the suite:
 * the whole set takes a few seconds, the limit is 60 s. The slowest kinds are then run again at four
 * times the length, and must grow linearly.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = path.join(__dirname, '..', '..');
const TRIGGERS = [
  'RINA', 'EESSI', 'EESSI case', 'Case ID', 'dossier EESSI', 'Fall-ID', 'caso n.', 'ID du cas', 'numéro de cas',
  'Vos réf.', 'Vos réf. n°', 'Réf. nr', 'Réf. a', 'Réf. 1', 'N/Réf', 'Az.', 'Kenmerk', 'n°', 'NIR', 'SIRET', 'SIREN', 'EHIC', 'A1', 'S1', 'E 101',
  'formulaire', 'Objet :', 'http://', 'www.', 'FR:', '12-34', 'Madame, Monsieur,', 'Cordialement',
];
const PIECES = [' ', '\n', '\t', ' \n', 'a', 'A', '1', '-', '.', '_', '/', 'é', '1 ', 'a ', ': '];
/** The pieces that can stand in a Subject header line (no line breaks). */
const LINE_PIECES = PIECES.filter((p) => !/[\r\n\t]/.test(p));
const ENDS = ['!', 'x'];
type Where = 'body' | 'subject' | 'html';
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
    results.push({ label, ms: performance.now() - t0, chars: a.parsed.text.length, subjectChars: a.parsed.subject.length });
  }
  parentPort.postMessage(results);
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

/** A mail carrying `hostile` as its plain-text body, its subject, or an HTML body. */
function message(where: Where, hostile: string): Uint8Array {
  const subject = where === 'subject' ? hostile : 'test';
  const type = where === 'html' ? 'text/html' : 'text/plain';
  const body = where === 'html' ? `<html><body><p>${hostile}</p></body></html>` : where === 'body' ? hostile : 'Bonjour.';
  return Buffer.from(
    `From: x@example.org\r\nTo: courrier@cleiss.fr\r\nSubject: ${subject}\r\nMessage-ID: <bt@example.org>\r\n` +
      `Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`,
    'utf8',
  );
}

interface Result {
  label: string;
  ms: number;
  /** Characters of the parsed text and subject: the hostile run reached the index and the rules. */
  chars: number;
  subjectChars: number;
}

/** Runs the analyses in a worker thread; a freeze rejects at LIMIT_MS instead of hanging the suite. */
async function analyseIsolated(messages: [string, Uint8Array][]): Promise<Result[]> {
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
    return out;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

const body = (trigger: string, piece: string, end: string, chars: number) => `${trigger}${piece.repeat(Math.ceil(chars / piece.length))}${end}`;

describe('reliability: hostile texts for the regexes', () => {
  const count = TRIGGERS.length * ENDS.length * (PIECES.length + 2 * LINE_PIECES.length);
  it(`analyses ${count} messages of a trigger word and ${CHARS} repeated characters (in a body, a subject or HTML), in time linear in their length`, async () => {
    const cases: { label: string; where: Where; trigger: string; piece: string; end: string }[] = [];
    for (const where of ['body', 'subject', 'html'] as const) {
      for (const trigger of TRIGGERS) {
        for (const piece of where === 'body' ? PIECES : LINE_PIECES) {
          for (const end of ENDS) cases.push({ label: `${where}: ${trigger} + ${JSON.stringify(piece)} + ${end}`, where, trigger, piece, end });
        }
      }
    }
    const out = await analyseIsolated(cases.map((c) => [c.label, message(c.where, body(c.trigger, c.piece, c.end, CHARS))]));
    expect(out).toHaveLength(count);
    // The whole run reached the analysis (HTML's whitespace is collapsed by its conversion to text).
    for (const [i, r] of out.entries()) {
      const c = cases[i]!;
      const got = c.where === 'subject' ? r.subjectChars : r.chars;
      const want = c.where === 'html' && c.piece.trim() === '' ? 1 : CHARS - 10;
      expect({ label: r.label, enough: got >= want }).toEqual({ label: r.label, enough: true });
    }

    // The slowest kinds again, warm, at CHARS and 4 x CHARS characters (best of two each): a linear
    // cost grows x4, a quadratic one x16 (trimRef's regex before the ninth session: x16, 160 ms at
    // 20,000 characters). A ratio, not a time, so the verdict does not depend on the machine.
    const slowest = out.slice().sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => cases.find((c) => c.label === r.label)!);
    const runs: [string, Uint8Array][] = [];
    for (const c of slowest) for (const chars of [CHARS, 4 * CHARS]) for (let i = 0; i < 2; i++) runs.push([`${c.label}@${chars}`, message(c.where, body(c.trigger, c.piece, c.end, chars))]);
    const again = await analyseIsolated(runs);
    const best = (label: string) => Math.min(...again.filter((r) => r.label === label).map((r) => r.ms));
    const growth = slowest.map((c) => ({ label: c.label, small: best(`${c.label}@${CHARS}`), large: best(`${c.label}@${4 * CHARS}`) }));
    process.stdout.write(
      `[reliability] hostile regex texts: ${out.length} analysed; slowest, warm, at ${CHARS} and ${4 * CHARS} characters: ` +
        `${growth.map((g) => `${g.label} ${g.small.toFixed(1)} → ${g.large.toFixed(1)} ms`).join(', ')}\n`,
    );
    // Under 1 ms a time is mostly noise: counted as 1 ms.
    const steep = growth.map((g) => ({ label: g.label, ratio: Math.max(g.large, 1) / Math.max(g.small, 1) })).filter((g) => g.ratio >= 8);
    expect(steep.map((g) => `${g.label}: x${g.ratio.toFixed(1)} for x4 characters`)).toEqual([]);
  });
});
