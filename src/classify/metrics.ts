/** Evaluation metrics for the backtest and the trainer's cross-validation. Pure functions. */

export interface Pair {
  truth: string;
  predicted: string;
}

export interface ClassScore {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number; // true instances
}

/** matrix[i][j] = count of truth labels[i] predicted as labels[j]; unknown labels are ignored. */
export function confusionMatrix(labels: readonly string[], pairs: Pair[]): number[][] {
  const idx = new Map(labels.map((l, i) => [l, i]));
  const m = labels.map(() => labels.map(() => 0));
  for (const p of pairs) {
    const t = idx.get(p.truth);
    const q = idx.get(p.predicted);
    if (t !== undefined && q !== undefined) m[t]![q]!++;
  }
  return m;
}

export function accuracy(pairs: Pair[]): number {
  if (pairs.length === 0) return 0;
  return pairs.filter((p) => p.truth === p.predicted).length / pairs.length;
}

function safeDiv(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

export function perClass(labels: readonly string[], pairs: Pair[]): ClassScore[] {
  return labels.map((label) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const p of pairs) {
      if (p.predicted === label && p.truth === label) tp++;
      else if (p.predicted === label) fp++;
      else if (p.truth === label) fn++;
    }
    const precision = safeDiv(tp, tp + fp);
    const recall = safeDiv(tp, tp + fn);
    return { label, precision, recall, f1: safeDiv(2 * precision * recall, precision + recall), support: tp + fn };
  });
}

/** Mean F1 over the classes that occur (in truth or predictions): absent classes would add 0s. */
export function macroF1(scores: ClassScore[], pairs: Pair[]): number {
  const present = new Set(pairs.flatMap((p) => [p.truth, p.predicted]));
  const used = scores.filter((s) => present.has(s.label));
  return used.length === 0 ? 0 : used.reduce((a, s) => a + s.f1, 0) / used.length;
}

export interface RoutedPair extends Pair {
  routed: boolean;
}

/** Share routed automatically, and the share of those routed to the wrong destination. */
export function coverage(pairs: RoutedPair[]): { coverage: number; misrouteRate: number; routed: number; misrouted: number } {
  const routed = pairs.filter((p) => p.routed);
  const misrouted = routed.filter((p) => p.truth !== p.predicted).length;
  return {
    coverage: safeDiv(routed.length, pairs.length),
    misrouteRate: safeDiv(misrouted, routed.length),
    routed: routed.length,
    misrouted,
  };
}

/** Mean negative log-likelihood of the true class (for temperature fitting). */
export function logLoss(probs: number[][], labels: number[]): number {
  let s = 0;
  probs.forEach((p, i) => (s -= Math.log(Math.max(p[labels[i]!]!, 1e-12))));
  return safeDiv(s, probs.length);
}
