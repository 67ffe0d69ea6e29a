/**
 * Trains the model and calibrates it. The temperature is fitted on out-of-fold scores from a
 * k-fold cross-validation of the TRAINING corpus, combined with the rule weights exactly as the
 * decision combines them — so the confidence the worker reports is calibrated for rules+model,
 * without ever looking at the held-out set.
 */
import { createHash } from 'node:crypto';
import { accuracy, coverage, logLoss, macroF1, perClass } from '../metrics';
import type { Destination } from '../types';
import { MODEL_FORMAT_VERSION, softmax, type ModelFile } from './linear';
import { WORD_FEATURES, type FeatureOptions } from './features';
import { DEFAULT_TRAIN_OPTIONS, trainLogReg, trainNaiveBayes, type LinearParams, type TrainDoc, type TrainOptions } from './algorithms';

export interface CorpusDoc extends TrainDoc {
  /** Rule weight per class (classes order), from the non-shadow rules that fired. */
  ruleWeights: number[];
  /** A forcing rule decided this message: the model never sees it in production. */
  forced: boolean;
  /** The destination the forcing rule chose (counted as routed in the CV figures). */
  forcedTo?: Destination;
}

/** One point of the threshold sweep: what the worker would do at this threshold. */
export interface OperatingPoint {
  threshold: number;
  reviewMargin: number;
  coverage: number;
  misrouteRate: number;
  /** Macro-F1 of the final destination, "to-review" counted as secretariat. */
  macroF1: number;
}

/** The misroute rate the service accepts among messages routed without a human. */
export const TARGET_MISROUTE = 0.03;
const SWEEP_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
const SWEEP_MARGINS = [0, 0.15, 0.3];

export type Algorithm = LinearParams['algorithm'];
const ALGORITHMS: Algorithm[] = ['naive-bayes', 'logistic-regression'];

export interface CvReport {
  algorithm: Algorithm;
  temperature: number;
  ruleScale: number;
  logLoss: number;
  accuracy: number;
  macroF1: number;
  coverage: number;
  misrouteRate: number;
  /** Every (threshold, margin) tried, and the lowest threshold meeting TARGET_MISROUTE. */
  sweep: OperatingPoint[];
  recommended: OperatingPoint | null;
  /** Corpus indices misclassified out-of-fold, with the predicted class (to study errors). */
  misclassified: { doc: number; predicted: Destination; p: number }[];
}

function train(alg: Algorithm, docs: CorpusDoc[], k: number, opts: TrainOptions): LinearParams {
  if (alg === 'naive-bayes') return trainNaiveBayes(docs, k, opts);
  return trainLogReg(opts.ruleOffsets ? docs.map((d) => ({ ...d, offset: d.ruleWeights })) : docs, k, opts);
}

function rawScores(p: LinearParams, features: string[]): number[] {
  const index = new Map(p.vocab.map((f, i) => [f, i]));
  const known = [...new Set(features)].map((f) => index.get(f)).filter((i): i is number => i !== undefined);
  const x = p.normalize === 'l2' && known.length > 0 ? 1 / Math.sqrt(known.length) : 1;
  return p.bias.map((b, c) => known.reduce((s, f) => s + x * p.weights[c]![f]!, b));
}

/** Stratified fold assignment, deterministic. */
export function assignFolds(labels: number[], folds: number): number[] {
  const seen = new Map<number, number>();
  return labels.map((l) => {
    const n = seen.get(l) ?? 0;
    seen.set(l, n + 1);
    return n % folds;
  });
}

function combine(scores: number[], ruleWeights: number[], t: number, ruleScale = 1): number[] {
  return softmax(scores.map((s, c) => s / t + ruleScale * ruleWeights[c]!));
}

/** Rule weights are written by people in round numbers: a global scale is fitted with T. */
const RULE_SCALES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

export function fitCalibration(scores: number[][], ruleWeights: number[][], labels: number[]): { temperature: number; ruleScale: number } {
  let best = { temperature: 1, ruleScale: 1, loss: Infinity };
  for (const ruleScale of RULE_SCALES) {
    const temperature = fitTemperature(scores, ruleWeights, labels, ruleScale);
    const loss = logLoss(scores.map((s, i) => combine(s, ruleWeights[i]!, temperature, ruleScale)), labels);
    if (loss < best.loss) best = { temperature, ruleScale, loss };
  }
  return { temperature: best.temperature, ruleScale: best.ruleScale };
}

/** Golden-section search of log T minimising log-loss. */
export function fitTemperature(scores: number[][], ruleWeights: number[][], labels: number[], ruleScale = 1): number {
  const loss = (logT: number) => logLoss(scores.map((s, i) => combine(s, ruleWeights[i]!, Math.exp(logT), ruleScale)), labels);
  let lo = Math.log(0.01);
  let hi = Math.log(100);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (loss(a) < loss(b)) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}

interface CvSettings {
  folds: number;
  threshold: number;
  reviewMargin: number;
  opts: TrainOptions;
}

function crossValidate(alg: Algorithm, docs: CorpusDoc[], classes: Destination[], cvs: CvSettings): CvReport {
  const { folds, threshold, reviewMargin, opts } = cvs;
  const k = classes.length;
  const fold = assignFolds(
    docs.map((d) => d.label),
    folds,
  );
  const oof: number[][] = docs.map(() => []);
  for (let f = 0; f < folds; f++) {
    const params = train(alg, docs.filter((_, i) => fold[i] !== f), k, opts);
    docs.forEach((d, i) => {
      if (fold[i] === f) oof[i] = rawScores(params, d.features);
    });
  }
  // Calibrate and measure on the messages the model actually decides (not forced by a rule).
  const idx = docs.map((_, i) => i).filter((i) => !docs[i]!.forced);
  const labels = idx.map((i) => docs[i]!.label);
  const { temperature: t, ruleScale } = fitCalibration(
    idx.map((i) => oof[i]!),
    idx.map((i) => docs[i]!.ruleWeights),
    labels,
  );
  const probs = idx.map((i) => combine(oof[i]!, docs[i]!.ruleWeights, t, ruleScale));
  const top = probs.map((p) => p.indexOf(Math.max(...p)));
  const pairs = top.map((best, j) => ({ truth: classes[labels[j]!]!, predicted: classes[best]! }));
  const sweep = sweepThresholds(docs, idx, probs, classes);
  const atThreshold = sweep.find((s) => s.threshold === threshold && s.reviewMargin === reviewMargin) ?? operatingPoint(docs, idx, probs, classes, threshold, reviewMargin);
  const misclassified = pairs
    .map((pair, j) => ({ doc: idx[j]!, predicted: pair.predicted as Destination, p: Math.max(...probs[j]!), ok: pair.truth === pair.predicted }))
    .filter((m) => !m.ok)
    .map(({ doc, predicted, p }) => ({ doc, predicted, p }));
  return {
    algorithm: alg,
    temperature: t,
    ruleScale,
    logLoss: logLoss(probs, labels),
    accuracy: accuracy(pairs),
    macroF1: macroF1(perClass(classes, pairs), pairs),
    coverage: atThreshold.coverage,
    misrouteRate: atThreshold.misrouteRate,
    sweep,
    recommended: recommend(sweep),
    misclassified,
  };
}

/**
 * Replays the worker's decision on out-of-fold probabilities for each threshold and margin:
 * forced messages are routed to the forcing rule's destination, the others routed when
 * confident, else "to-review" (which lands with the secretariat).
 */
function operatingPoint(docs: CorpusDoc[], idx: number[], probs: number[][], classes: Destination[], threshold: number, reviewMargin: number): OperatingPoint {
  const forced = docs.filter((d) => d.forced).map((d) => ({ truth: classes[d.label]!, predicted: d.forcedTo ?? 'secretariat', routed: true }));
  const pairs = idx.map((i, j) => {
    const p = [...probs[j]!].sort((a, b) => b - a);
    const best = probs[j]!.indexOf(p[0]!);
    const routed = p[0]! >= threshold && p[0]! - (p[1] ?? 0) >= reviewMargin;
    return { truth: classes[docs[i]!.label]!, predicted: routed ? classes[best]! : 'secretariat', routed };
  });
  const all = [...pairs, ...forced];
  const cov = coverage(all);
  return { threshold, reviewMargin, coverage: cov.coverage, misrouteRate: cov.misrouteRate, macroF1: macroF1(perClass(classes, all), all) };
}

function sweepThresholds(docs: CorpusDoc[], idx: number[], probs: number[][], classes: Destination[]): OperatingPoint[] {
  return SWEEP_THRESHOLDS.flatMap((t) => SWEEP_MARGINS.map((m) => operatingPoint(docs, idx, probs, classes, t, m)));
}

/** Among the points meeting the misroute target, the one routing the most messages. */
function recommend(sweep: OperatingPoint[]): OperatingPoint | null {
  const ok = sweep.filter((s) => s.misrouteRate <= TARGET_MISROUTE);
  return ok.sort((a, b) => b.coverage - a.coverage || a.threshold - b.threshold || a.reviewMargin - b.reviewMargin)[0] ?? null;
}

export interface TrainResult {
  file: ModelFile;
  cv: CvReport[];
}

export function corpusHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of [...parts].sort()) h.update(p).update('\0');
  return h.digest('hex');
}

/**
 * Cross-validates both algorithms, keeps the one with the best out-of-fold macro-F1 (log-loss
 * breaks ties), then trains it on the whole corpus.
 */
export function trainModel(
  docs: CorpusDoc[],
  classes: Destination[],
  meta: {
    corpusHash: string;
    algorithm?: Algorithm;
    folds?: number;
    threshold?: number;
    reviewMargin?: number;
    options?: Partial<TrainOptions>;
    features?: FeatureOptions;
  },
): TrainResult {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...meta.options };
  const folds = meta.folds ?? 5;
  const algs = meta.algorithm ? [meta.algorithm] : ALGORITHMS;
  const settings: CvSettings = { folds, threshold: meta.threshold ?? 0.6, reviewMargin: meta.reviewMargin ?? 0.15, opts };
  const cv = algs.map((a) => crossValidate(a, docs, classes, settings));
  const best = [...cv].sort((a, b) => b.macroF1 - a.macroF1 || a.logLoss - b.logLoss)[0]!;
  const params = train(best.algorithm, docs, classes.length, opts);
  const file: ModelFile = {
    formatVersion: MODEL_FORMAT_VERSION,
    algorithm: params.algorithm,
    trainedAt: new Date().toISOString(),
    corpusHash: meta.corpusHash,
    corpusSize: docs.length,
    normalize: params.normalize,
    classes,
    temperature: Math.round(best.temperature * 1e4) / 1e4,
    ruleScale: best.ruleScale,
    features: meta.features ?? WORD_FEATURES,
    ...(best.recommended ? { recommended: pick(best.recommended) } : {}),
    vocab: params.vocab,
    bias: params.bias,
    weights: params.weights,
    cv: { folds, options: opts, results: cv.map(({ misclassified: _m, sweep: _s, ...rest }) => rest) },
  };
  return { file, cv };
}

function pick(p: OperatingPoint) {
  const r = (x: number) => Math.round(x * 1e4) / 1e4;
  return { threshold: p.threshold, reviewMargin: p.reviewMargin, coverage: r(p.coverage), misrouteRate: r(p.misrouteRate) };
}
