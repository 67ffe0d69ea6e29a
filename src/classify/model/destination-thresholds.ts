/**
 * Chooses one threshold per predicted destination from OUT-OF-FOLD decisions only: the one set
 * that maximises the final macro-F1 ("to-review" counted as secretariat) while the misroute rate
 * among routed messages stays under a target with a safety margin (the hidden set is written by
 * other people) and enough messages are routed. Overfitting guards: a coarse grid (a handful of
 * values per destination), one shared review margin, and ties broken towards higher thresholds.
 *
 * Exhaustive over the grid (7 values ^ 5 destinations = 16,807 sets): the confusion matrix is
 * additive over the predicted destination, so each (destination, threshold) cell is counted once
 * and a set is scored by adding five small matrices.
 */
import type { Destination } from '../types';

/** A message the model decided, scored out of fold: its true class and best suggestion. */
export interface OofDecision {
  truth: number;
  best: number;
  /** Confidence of the best suggestion, and its gap with the second. */
  p: number;
  gap: number;
}

export interface ThresholdSearch {
  /** Candidate thresholds (the same for every destination). */
  grid: number[];
  reviewMargin: number;
  /** Highest misroute rate accepted among routed messages (target minus a safety margin). */
  maxMisroute: number;
  /** Lowest share of messages routed automatically. */
  minCoverage: number;
}

export const DESTINATION_THRESHOLD_GRID = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
/** 3 % is the target; 2.7 % leaves room for a hidden set that differs from the training corpus. */
export const DESTINATION_MAX_MISROUTE = 0.027;
export const DESTINATION_MIN_COVERAGE = 0.8;

export interface ThresholdPoint {
  thresholds: Record<Destination, number>;
  reviewMargin: number;
  coverage: number;
  misrouteRate: number;
  macroF1: number;
}

interface Cell {
  /** matrix[truth * k + predicted] */
  matrix: number[];
  routed: number;
  misrouted: number;
}

/** What the messages whose best suggestion is `cls` give at threshold `t` (review lands with `review`). */
function cell(k: number, review: number, decisions: OofDecision[], cls: number, t: number, margin: number): Cell {
  const matrix = new Array<number>(k * k).fill(0);
  let routed = 0;
  let misrouted = 0;
  for (const d of decisions) {
    if (d.best !== cls) continue;
    const auto = d.p >= t && d.gap >= margin;
    const predicted = auto ? d.best : review;
    matrix[d.truth * k + predicted]!++;
    if (auto) {
      routed++;
      if (d.truth !== d.best) misrouted++;
    }
  }
  return { matrix, routed, misrouted };
}

/** Macro-F1 over the classes present in truth or predictions (as metrics.macroF1). */
export function macroF1OfMatrix(m: number[], k: number): number {
  let sum = 0;
  let used = 0;
  for (let c = 0; c < k; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += m[c * k + j]!;
      col += m[j * k + c]!;
    }
    const tp = m[c * k + c]!;
    if (row === 0 && col === 0) continue;
    used++;
    const p = col === 0 ? 0 : tp / col;
    const r = row === 0 ? 0 : tp / row;
    sum += p + r === 0 ? 0 : (2 * p * r) / (p + r);
  }
  return used === 0 ? 0 : sum / used;
}

/**
 * Best set of per-destination thresholds, or null when no set of the grid meets the constraints.
 * `forced` are the (truth, predicted) class pairs of messages a forcing rule decided: always
 * routed, the same for every set, counted in every figure as the worker would count them.
 */
export function searchDestinationThresholds(
  classes: Destination[],
  decisions: OofDecision[],
  forced: { truth: number; predicted: number }[],
  s: ThresholdSearch,
): ThresholdPoint | null {
  const k = classes.length;
  const review = classes.indexOf('secretariat');
  if (review < 0) throw new RangeError('searchDestinationThresholds: the classes must include secretariat (where review lands)');
  const base = new Array<number>(k * k).fill(0);
  let baseMis = 0;
  for (const f of forced) {
    base[f.truth * k + f.predicted]!++;
    if (f.truth !== f.predicted) baseMis++;
  }
  const total = decisions.length + forced.length;
  const cells = classes.map((_, c) => s.grid.map((t) => cell(k, review, decisions, c, t, s.reviewMargin)));
  const choice = new Array<number>(k).fill(0);
  const m = new Array<number>(k * k);
  let best: { choice: number[]; f1: number; coverage: number; misroute: number; sum: number } | null = null;
  const combos = s.grid.length ** k;
  for (let n = 0; n < combos; n++) {
    let rest = n;
    for (let c = 0; c < k; c++) {
      choice[c] = rest % s.grid.length;
      rest = Math.floor(rest / s.grid.length);
    }
    let routed = forced.length;
    let mis = baseMis;
    for (let c = 0; c < k; c++) {
      routed += cells[c]![choice[c]!]!.routed;
      mis += cells[c]![choice[c]!]!.misrouted;
    }
    const misroute = routed === 0 ? 0 : mis / routed;
    const coverage = total === 0 ? 0 : routed / total;
    if (misroute > s.maxMisroute || coverage < s.minCoverage) continue;
    for (let i = 0; i < k * k; i++) m[i] = base[i]!;
    for (let c = 0; c < k; c++) {
      const cm = cells[c]![choice[c]!]!.matrix;
      for (let i = 0; i < k * k; i++) m[i] += cm[i]!;
    }
    const f1 = macroF1OfMatrix(m, k);
    const sum = choice.reduce((a, i) => a + s.grid[i]!, 0);
    if (best === null || better({ f1, coverage, sum }, best)) best = { choice: [...choice], f1, coverage, misroute, sum };
  }
  if (best === null) return null;
  const thresholds = Object.fromEntries(classes.map((d, c) => [d, s.grid[best!.choice[c]!]!])) as Record<Destination, number>;
  return { thresholds, reviewMargin: s.reviewMargin, coverage: best.coverage, misrouteRate: best.misroute, macroF1: best.f1 };
}

/** Higher macro-F1 first (1e-9: float noise is no gain), then coverage, then the more cautious set. */
function better(a: { f1: number; coverage: number; sum: number }, b: { f1: number; coverage: number; sum: number }): boolean {
  if (Math.abs(a.f1 - b.f1) > 1e-9) return a.f1 > b.f1;
  if (Math.abs(a.coverage - b.coverage) > 1e-9) return a.coverage > b.coverage;
  return a.sum > b.sum + 1e-9;
}
