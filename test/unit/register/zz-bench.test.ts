import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from '../../../src/register/schema';
import { searchRegister } from '../../../src/register/search';
import { exportRegisterCsv } from '../../../src/register/export';
import { purgeBodies } from '../../../src/register/retention';
import { add, openRegister, tempDir } from './register-builders';

const N = Number(process.env.BENCH_N ?? 20000);
const words = Array.from({ length: 3000 }, (_, i) => `mot${i.toString(36)}é`);
let seed = 42; const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const textOf = () => Array.from({ length: 400 }, () => words[Math.floor(rnd() * rnd() * words.length)]).join(' ');
const t = tempDir('aig-bench-');
afterAll(() => t.cleanup());
function fill(r: any, label: string) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) add(r, { subject: `Demande ${i} sécurité`, body: textOf() + (i % 1000 === 0 ? ' rarissime' : ''), forms: i % 3 ? ['A1'] : ['S1'], countries: ['DE'], received: new Date(Date.UTC(2025, 0, 1) + i * 1800_000).toISOString(), destination: (['pcn','legislation','prestations'] as const)[i % 3] });
  const ms = performance.now() - t0; console.log(`${label}: insert ${N} in ${ms.toFixed(0)} ms = ${(ms / N).toFixed(3)} ms/item`);
}
test('bench', () => {
  const f1 = path.join(t.dir, 'nofts.sqlite');
  jest.isolateModules(() => {
    jest.doMock('../../../src/register/schema', () => ({ MIGRATIONS: MIGRATIONS.slice(0, 1) }));
    const { Register } = require('../../../src/register/sqlite');
    const r = new Register({ path: f1, numberPrefix: 'DAJ', replyDelayDays: 30 });
    fill(r, 'without FTS'); r.db.pragma('wal_checkpoint(TRUNCATE)'); r.close();
  });
  jest.dontMock('../../../src/register/schema');
  const sz1 = fs.statSync(f1).size;
  let t0 = performance.now();
  let r = openRegister(f1);
  console.log(`migration 2 backfill of ${N} rows: ${(performance.now() - t0).toFixed(0)} ms`); r.close();
  const f2 = path.join(t.dir, 'fts.sqlite');
  r = openRegister(f2); fill(r, 'with FTS');
  r.db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(`size without FTS ${(sz1/1e6).toFixed(1)} MB, with FTS ${(fs.statSync(f2).size/1e6).toFixed(1)} MB`);
  const time = (label: string, fn: () => unknown, reps = 20) => { fn(); const t0 = performance.now(); let n: any; for (let i = 0; i < reps; i++) n = fn(); console.log(`${label}: ${((performance.now() - t0) / reps).toFixed(2)} ms (${Array.isArray(n) ? n.length : (n as any)?.rows} rows)`); };
  time('search common word', () => searchRegister(r.db, words[1], {}));
  time('search rare word', () => searchRegister(r.db, 'rarissime', {}));
  time('search accented', () => searchRegister(r.db, 'SECURITE', {}));
  time('search prefix mot1*', () => searchRegister(r.db, 'mot1*', {}));
  time('search word + filters', () => searchRegister(r.db, words[5], { destination: 'pcn', form: 'A1', from: '2025-03-01', to: '2025-06-30' }));
  time('listing filters only', () => searchRegister(r.db, '', { destination: 'pcn', country: 'DE' }));
  time('export one month', () => exportRegisterCsv(r.db, { from: '2025-03-01', to: '2025-03-31' }), 5);
  time('export whole', () => exportRegisterCsv(r.db, { from: '2025-01-01', to: '2026-12-31' }), 2);
  t0 = performance.now();
  const purged = purgeBodies(r.db, 365, new Date(Date.UTC(2025, 0, 1) + (N / 2) * 1800_000 + 365 * 86400000));
  console.log(`purge ${purged} items: ${(performance.now() - t0).toFixed(0)} ms; size after ${(fs.statSync(f2).size/1e6).toFixed(1)} MB`);
  r.close();
});
