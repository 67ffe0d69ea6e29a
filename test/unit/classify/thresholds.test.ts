import { checkDestinationThresholds, isConfident, resolveThresholds, thresholdFor } from '../../../src/classify/thresholds';
import { macroF1OfMatrix, searchDestinationThresholds, type OofDecision } from '../../../src/classify/model/destination-thresholds';
import { confusionMatrix, coverage, macroF1, perClass } from '../../../src/classify/metrics';
import { AUTO_DESTINATIONS, type Destination } from '../../../src/classify/types';

describe('per-destination thresholds (resolution)', () => {
  it('the configuration wins over the model recommendation, which wins over the global threshold', () => {
    const conf = resolveThresholds(0.8, { pcn: 0.7 }, { pcn: 0.6, linguistique: 0.65 });
    expect(conf.source).toBe('configuration');
    expect(thresholdFor(conf, 'pcn')).toBe(0.7);
    // The configured map replaces the recommendation as a whole: no merging.
    expect(thresholdFor(conf, 'linguistique')).toBe(0.8);
    const model = resolveThresholds(0.8, undefined, { pcn: 0.6 });
    expect(model.source).toBe('model');
    expect(thresholdFor(model, 'pcn')).toBe(0.6);
    expect(thresholdFor(model, 'legislation')).toBe(0.8);
    const none = resolveThresholds(0.8, undefined, undefined);
    expect(none.source).toBe('global');
    for (const d of AUTO_DESTINATIONS) expect(thresholdFor(none, d)).toBe(0.8);
  });

  it('an empty configured map switches the recommendation off', () => {
    const off = resolveThresholds(0.75, {}, { pcn: 0.6 });
    expect(off.source).toBe('configuration');
    expect(thresholdFor(off, 'pcn')).toBe(0.75);
  });

  it('routes on the best destination own threshold and the margin', () => {
    const t = resolveThresholds(0.8, { pcn: 0.7 }, undefined);
    expect(isConfident(t, 'pcn', 0.72, 0.5, 0.15)).toBe(true);
    expect(isConfident(t, 'prestations', 0.72, 0.5, 0.15)).toBe(false);
    expect(isConfident(t, 'pcn', 0.72, 0.1, 0.15)).toBe(false);
  });

  it('refuses an unknown destination or a value outside (0, 1), naming it', () => {
    expect(() => checkDestinationThresholds({ pcm: 0.7 }, 'x')).toThrow(/pcm/);
    expect(() => checkDestinationThresholds({ pcn: 1 }, 'x')).toThrow(/x\.pcn/);
    expect(() => checkDestinationThresholds({ pcn: 0 }, 'x')).toThrow(/x\.pcn/);
    expect(checkDestinationThresholds({ pcn: 0.7 }, 'x')).toEqual({ pcn: 0.7 });
  });
});

/** A seeded synthetic out-of-fold set: `precise` classes are right whatever their confidence,
 *  the others are wrong (towards secretariat or legislation) below `wrongBelow`. */
function synthetic(): OofDecision[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: OofDecision[] = [];
  for (let c = 0; c < 5; c++) {
    for (let i = 0; i < 200; i++) {
      const p = 0.55 + 0.45 * rand();
      const precise = c === 3 || c === 4; // linguistique, pcn
      const wrong = !precise && p < 0.82 && rand() < 0.5;
      const truth = wrong ? (c === 0 ? 1 : 0) : c;
      out.push({ truth, best: c, p, gap: p - (1 - p) / 4 });
    }
  }
  return out;
}

const CLASSES = [...AUTO_DESTINATIONS] as Destination[];

/** Final pairs at the given thresholds, as metrics.ts sees them (the reference implementation). */
function replay(decisions: OofDecision[], t: Record<Destination, number>, margin: number) {
  return decisions.map((d) => {
    const routed = d.p >= t[CLASSES[d.best]!] && d.gap >= margin;
    return { truth: CLASSES[d.truth]!, predicted: routed ? CLASSES[d.best]! : 'secretariat', routed };
  });
}

describe('per-destination thresholds (search on out-of-fold decisions)', () => {
  const grid = [0.6, 0.7, 0.8, 0.9];
  const decisions = synthetic();
  const search = { grid, reviewMargin: 0, maxMisroute: 0.03, minCoverage: 0.5 };

  it('meets the misroute and coverage bounds, and reports what metrics.ts measures at its thresholds', () => {
    const r = searchDestinationThresholds(CLASSES, decisions, [], search)!;
    expect(r).not.toBeNull();
    const pairs = replay(decisions, r.thresholds, 0);
    const cov = coverage(pairs);
    expect(r.misrouteRate).toBeCloseTo(cov.misrouteRate, 10);
    expect(r.coverage).toBeCloseTo(cov.coverage, 10);
    expect(r.macroF1).toBeCloseTo(macroF1(perClass(CLASSES, pairs), pairs), 10);
    expect(r.misrouteRate).toBeLessThanOrEqual(0.03);
    for (const v of Object.values(r.thresholds)) expect(grid).toContain(v);
  });

  it('gives precise destinations a lower threshold than imprecise ones', () => {
    const r = searchDestinationThresholds(CLASSES, decisions, [], search)!;
    expect(r.thresholds.pcn).toBeLessThan(r.thresholds.prestations);
    expect(r.thresholds.linguistique).toBeLessThan(r.thresholds.legislation);
  });

  it('is never worse than any single global threshold of the grid that meets the bounds', () => {
    const r = searchDestinationThresholds(CLASSES, decisions, [], search)!;
    for (const g of grid) {
      const t = Object.fromEntries(CLASSES.map((c) => [c, g])) as Record<Destination, number>;
      const pairs = replay(decisions, t, 0);
      const cov = coverage(pairs);
      if (cov.misrouteRate > 0.03 || cov.coverage < 0.5) continue;
      expect(r.macroF1).toBeGreaterThanOrEqual(macroF1(perClass(CLASSES, pairs), pairs) - 1e-12);
    }
  });

  it('counts forced messages in every figure and returns null when no set meets the bounds', () => {
    const forced = Array.from({ length: 100 }, () => ({ truth: 1, predicted: 2 })); // 100 forced misroutes
    expect(searchDestinationThresholds(CLASSES, decisions, forced, search)).toBeNull();
    expect(() => searchDestinationThresholds(['pcn', 'legislation'], decisions, [], search)).toThrow(/secretariat/);
  });

  it('computes macro-F1 from a confusion matrix as metrics.ts does from pairs', () => {
    const pairs = replay(decisions, { secretariat: 0.7, legislation: 0.9, prestations: 0.6, linguistique: 0.6, pcn: 0.8 }, 0);
    const m = confusionMatrix(CLASSES, pairs).flat();
    expect(macroF1OfMatrix(m, 5)).toBeCloseTo(macroF1(perClass(CLASSES, pairs), pairs), 12);
  });
});
