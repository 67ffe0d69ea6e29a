/**
 * Scenario 5 (offline part): a bounded, seeded mutation fuzz over config/samples/*.eml through
 * `analyseMessage` with the real analysis deps (rules, model, sender directory, limits). Only
 * PermanentError (LimitError included) may escape, and no case may take longer than its timeout.
 * A failing case prints its seed, file and mutation: rerun with AIG_FUZZ_SEED / AIG_FUZZ_CASES.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadAnalysis } from '../../src/app/analysis-deps';
import { loadConfig } from '../../src/config/load';
import { PermanentError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { analyseMessage } from '../../src/triage/analyse';
import { MUTATIONS, mutate, prng } from './lib/hostile';

jest.setTimeout(120000);

const SEED = Number(process.env.AIG_FUZZ_SEED ?? 20260303);
const CASES = Number(process.env.AIG_FUZZ_CASES ?? 1000);
const PER_CASE_MS = 10000;
const SAMPLES = path.join(__dirname, '..', '..', 'config', 'samples');

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

describe('reliability: mutation fuzz of analyseMessage', () => {
  test(`${CASES} seeded mutations: only permanent errors escape, nothing hangs`, async () => {
    const config = loadConfig({ env: {}, requirePassword: false });
    const { deps, rules } = loadAnalysis(config, silentLogger());
    const files = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.eml')).sort();
    expect(files.length).toBeGreaterThan(10);
    const rnd = prng(SEED);
    const outcomes: Record<string, number> = { ok: 0, permanent: 0 };
    const failures: string[] = [];
    let slowest = 0;
    try {
      for (let i = 0; i < CASES; i++) {
        const file = files[Math.floor(rnd() * files.length)];
        const kind = MUTATIONS[i % MUTATIONS.length];
        const input = mutate(fs.readFileSync(path.join(SAMPLES, file)), kind, rnd);
        const started = Date.now();
        const res = await withTimeout(
          analyseMessage(input, deps, { receivedAt: new Date('2026-03-03T10:00:00Z') }).then(
            () => 'ok',
            (err: unknown) => (err instanceof PermanentError ? 'permanent' : `other: ${(err as Error)?.name}: ${(err as Error)?.message}`),
          ),
          PER_CASE_MS,
        );
        slowest = Math.max(slowest, Date.now() - started);
        if (res === 'ok' || res === 'permanent') outcomes[res]++;
        else failures.push(`case ${i} (seed ${SEED}, ${file}, ${kind}): ${res}`);
      }
    } finally {
      rules.stop();
    }
    process.stdout.write(`[reliability] fuzz: cases=${CASES} seed=${SEED} ok=${outcomes.ok} permanent=${outcomes.permanent} failures=${failures.length} slowestMs=${slowest}\n`);
    expect(failures).toEqual([]);
  });
});
