/**
 * Throughput of the offline path parse -> index on the repository's fixture mails (PDF-free:
 * PDFs go through a worker thread and are measured apart). `npm run build` then
 * `node dist/scripts/bench-parse-index.js [seconds]`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildIndex, loadSenderDirectory } from '../src/index';
import { DEFAULT_PARSE_LIMITS, parseMessage } from '../src/parse';

const root = path.resolve(__dirname, '..', '..');
const files = ['parse/utf8-alternative.eml', 'parse/latin1-body.eml', 'parse/cp1252-body.eml', 'parse/html-only.eml', 'index/drv-request.eml'];
const mails = files.map((f) => readFileSync(path.join(root, 'test/fixtures', f)));
const senders = loadSenderDirectory(readFileSync(path.join(root, 'config/senders.yaml'), 'utf8'));
const opts = { senders, scannerAddresses: ['scanner@cleiss.fr'], maxTextChars: DEFAULT_PARSE_LIMITS.maxTextChars };

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const parsed = await Promise.all(mails.map((m) => parseMessage(m, DEFAULT_PARSE_LIMITS)));
  let n = 0;
  let t0 = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) for (const p of parsed) (buildIndex(p, opts), n++);
  const indexRate = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  n = 0;
  t0 = process.hrtime.bigint();
  const until2 = Date.now() + seconds * 1000;
  while (Date.now() < until2) {
    for (const m of mails) {
      buildIndex(await parseMessage(m, DEFAULT_PARSE_LIMITS), opts);
      n++;
    }
  }
  const fullRate = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  const avg = Math.round(mails.reduce((s, m) => s + m.length, 0) / mails.length);
  console.log(`buildIndex alone: ${indexRate.toFixed(0)} msgs/s; parseMessage + buildIndex: ${fullRate.toFixed(0)} msgs/s (${mails.length} mails, avg ${avg} bytes)`);
}

void main();
