/**
 * Trains the model and calibrates it. The temperature is fitted on out-of-fold scores from a
 * k-fold cross-validation of the TRAINING corpus, combined with the rule weights exactly as the
 * decision combines them — so the confidence the worker reports is calibrated for rules+model,
 * without ever looking at the held-out set. The split can be repeated with shuffles (steadier
 * figures and temperature) or replaced by leave-one-group-out (e.g. one group per writer, to see
 * how the model does on messages written by someone it never read).
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../../shared/prng';
import { accuracy, coverage, logLoss, macroF1, perClass, type ClassScore, type RoutedPair } from '../metrics';
import { resolveThresholds, thresholdFor, type DestinationThresholds, type ResolvedThresholds } from '../thresholds';
import type { Destination } from '../types';
import {
  DESTINATION_MAX_MISROUTE,
  DESTINATION_MIN_COVERAGE,
  DESTINATION_THRESHOLD_GRID,
  searchDestinationThresholds,
  type ThresholdPoint,
  type ThresholdSearch,
} from './destination-thresholds';
import { MODEL_FORMAT_VERSION, type ModelFile } from './linear';
import { combine, fitCalibration } from './calibrate';

export { fitCalibration, fitTemperature } from './calibrate';
import { featureValue, WORD_FEATURES, type FeatureOptions } from './features';
import { DEFAULT_TRAIN_OPTIONS, sparseRow, trainLogReg, trainNaiveBayes, type LinearParams, type TrainDoc, type TrainOptions, type ValueOf } from './algorithms';

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
  /** Macro-F1 of the final destination at the configured threshold ("to-review" = secretariat). */
  finalMacroF1: number;
  /** Every (threshold, margin) tried, and the lowest threshold meeting TARGET_MISROUTE. */
  sweep: OperatingPoint[];
  recommended: OperatingPoint | null;
  /** Per-destination precision/recall of the final decision at the configured threshold. */
  perDestination: ClassScore[];
  /** Per-destination thresholds chosen on these out-of-fold scores (null: none meets the target). */
  destinationThresholds: (ThresholdPoint & { perDestination: ClassScore[] }) | null;
  /** The final decision at thresholds given to evaluate (e.g. chosen on another split), if any. */
  atGivenThresholds?: OperatingPoint & { thresholds: DestinationThresholds; perDestination: ClassScore[] };
  /** Corpus indices misclassified out-of-fold, with the predicted class (to study errors). */
  misclassified: { doc: number; predicted: Destination; p: number }[];
}

function train(alg: Algorithm, docs: CorpusDoc[], k: number, opts: TrainOptions, valueOf: ValueOf): LinearParams {
  if (alg === 'naive-bayes') return trainNaiveBayes(docs, k, opts);
  return trainLogReg(opts.ruleOffsets ? docs.map((d) => ({ ...d, offset: d.ruleWeights })) : docs, k, opts, valueOf);
}

/** Scores of held-out documents, computed as linear.ts's scoreFeatures does in the worker. */
function rawScorer(p: LinearParams, valueOf: ValueOf): (features: string[]) => number[] {
  const index = new Map(p.vocab.map((f, i) => [f, i]));
  return (features) => {
    const { idx, val } = sparseRow(features, index, valueOf, p.normalize);
    return p.bias.map((b, c) => idx.reduce((s, f, j) => s + val[j]! * p.weights[c]![f]!, b));
  };
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

export interface CvSettings {
  folds: number;
  /** Shuffled repetitions of the k-fold split (1 = the deterministic split alone). */
  repeats: number;
  /** Group of each document (e.g. its writer): folds never split a group (leave-one-group-out). */
  groups?: number[];
  threshold: number;
  reviewMargin: number;
  /** Per-destination thresholds to evaluate besides the global one (not chosen here). */
  destinationThresholds?: DestinationThresholds;
  /** Overrides of the per-destination threshold search (grid, misroute and coverage bounds). */
  search?: Partial<ThresholdSearch>;
  opts: TrainOptions;
  valueOf: ValueOf;
}

/** Stratified folds with the order inside each class shuffled by `seed` (0 = file order). */
export function shuffledFolds(labels: number[], folds: number, seed: number): number[] {
  if (seed === 0) return assignFolds(labels, folds);
  const rand = mulberry32(seed);
  const order = labels.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const byOrder = assignFolds(order.map((i) => labels[i]!), folds);
  const out = new Array<number>(labels.length);
  order.forEach((doc, j) => (out[doc] = byOrder[j]!));
  return out;
}

/** One split per repetition: fold number of each document. */
function splits(docs: CorpusDoc[], cvs: CvSettings): number[][] {
  if (cvs.groups) {
    const ids = [...new Set(cvs.groups)].sort((a, b) => a - b);
    return [cvs.groups.map((g) => ids.indexOf(g))];
  }
  const labels = docs.map((d) => d.label);
  return Array.from({ length: cvs.repeats }, (_, r) => shuffledFolds(labels, cvs.folds, r === 0 ? 0 : 1000 + r));
}

/** A message the model decides (not forced by a rule), scored by a model that never saw it. */
export interface OutOfFold {
  doc: number;
  scores: number[];
}

/** Out-of-fold raw scores of every non-forced document, for every repetition of the split. */
export function outOfFold(alg: Algorithm, docs: CorpusDoc[], k: number, cvs: CvSettings): OutOfFold[] {
  const out: OutOfFold[] = [];
  for (const fold of splits(docs, cvs)) {
    const nFolds = Math.max(...fold) + 1;
    for (let f = 0; f < nFolds; f++) {
      const score = rawScorer(train(alg, docs.filter((_, i) => fold[i] !== f), k, cvs.opts, cvs.valueOf), cvs.valueOf);
      docs.forEach((d, i) => {
        if (fold[i] === f && !d.forced) out.push({ doc: i, scores: score(d.features) });
      });
    }
  }
  return out;
}

function crossValidate(alg: Algorithm, docs: CorpusDoc[], classes: Destination[], cvs: CvSettings): CvReport {
  const oof = outOfFold(alg, docs, classes.length, cvs);
  return evaluateOutOfFold(alg, docs, classes, oof, cvs.threshold, cvs.reviewMargin, { given: cvs.destinationThresholds, search: cvs.search });
}

/** Calibrates on out-of-fold scores (rules combined as in the worker) and measures the result. */
export function evaluateOutOfFold(
  alg: Algorithm,
  docs: CorpusDoc[],
  classes: Destination[],
  oof: OutOfFold[],
  threshold: number,
  reviewMargin: number,
  perDest: { given?: DestinationThresholds; search?: Partial<ThresholdSearch> } = {},
): CvReport {
  const labels = oof.map((o) => docs[o.doc]!.label);
  const calibration = fitCalibration(
    oof.map((o) => o.scores),
    oof.map((o) => docs[o.doc]!.ruleWeights),
    labels,
  );
  const probs = oof.map((o) => combine(o.scores, docs[o.doc]!.ruleWeights, calibration));
  const top = probs.map((p) => p.indexOf(Math.max(...p)));
  const pairs = top.map((best, j) => ({ truth: classes[labels[j]!]!, predicted: classes[best]! }));
  const idx = oof.map((o) => o.doc);
  const sweep = sweepThresholds(docs, idx, probs, classes);
  const atThreshold = operatingPoint(docs, idx, probs, classes, threshold, reviewMargin);
  const global = resolveThresholds(threshold, {}, undefined);
  const search: ThresholdSearch = {
    grid: DESTINATION_THRESHOLD_GRID,
    reviewMargin,
    maxMisroute: DESTINATION_MAX_MISROUTE,
    minCoverage: DESTINATION_MIN_COVERAGE,
    ...perDest.search,
  };
  const chosen = searchDestinationThresholds(classes, oofDecisions(docs, idx, probs), forcedPairs(docs, idx, classes), search);
  const scoresAt = (t: ResolvedThresholds, margin: number) => {
    const pairs = finalPairs(docs, idx, probs, classes, t, margin);
    return perClass(classes, pairs);
  };
  const misclassified = pairs
    .map((pair, j) => ({ doc: idx[j]!, predicted: pair.predicted as Destination, p: Math.max(...probs[j]!), ok: pair.truth === pair.predicted }))
    .filter((m) => !m.ok)
    .map(({ doc, predicted, p }) => ({ doc, predicted, p }));
  return {
    algorithm: alg,
    temperature: calibration.temperature,
    ruleScale: calibration.ruleScale,
    logLoss: logLoss(probs, labels),
    accuracy: accuracy(pairs),
    macroF1: macroF1(perClass(classes, pairs), pairs),
    coverage: atThreshold.coverage,
    misrouteRate: atThreshold.misrouteRate,
    finalMacroF1: atThreshold.macroF1,
    perDestination: scoresAt(global, reviewMargin),
    destinationThresholds: chosen && { ...chosen, perDestination: scoresAt(resolveThresholds(threshold, chosen.thresholds, undefined), chosen.reviewMargin) },
    ...(perDest.given ? { atGivenThresholds: givenPoint(docs, idx, probs, classes, resolveThresholds(threshold, perDest.given, undefined), reviewMargin) } : {}),
    sweep,
    recommended: recommend(sweep),
    misclassified,
  };
}

/**
 * Replays the worker's decision on out-of-fold probabilities at the given thresholds: forced
 * messages are routed to the forcing rule's destination, the others routed when confident (the
 * best destination's own threshold, and the margin), else "to-review" (which lands with the
 * secretariat). `idx` may hold a document once per repetition of the split: forced messages are
 * then counted as many times.
 */
function finalPairs(docs: CorpusDoc[], idx: number[], probs: number[][], classes: Destination[], t: ResolvedThresholds, reviewMargin: number): RoutedPair[] {
  const forced = forcedPairs(docs, idx, classes).map((f) => ({ truth: classes[f.truth]!, predicted: classes[f.predicted]!, routed: true }));
  const pairs = oofDecisions(docs, idx, probs).map((d) => {
    const routed = d.p >= thresholdFor(t, classes[d.best]!) && d.gap >= reviewMargin;
    return { truth: classes[d.truth]!, predicted: routed ? classes[d.best]! : 'secretariat', routed };
  });
  return [...pairs, ...forced];
}

/** Best suggestion, its confidence and its gap with the second, per out-of-fold message. */
function oofDecisions(docs: CorpusDoc[], idx: number[], probs: number[][]) {
  return idx.map((i, j) => {
    const p = [...probs[j]!].sort((a, b) => b - a);
    return { truth: docs[i]!.label, best: probs[j]!.indexOf(p[0]!), p: p[0]!, gap: p[0]! - (p[1] ?? 0) };
  });
}

/** The forced messages, once per repetition of the split (as the out-of-fold messages). */
function forcedPairs(docs: CorpusDoc[], idx: number[], classes: Destination[]) {
  const decided = docs.filter((d) => !d.forced).length;
  const repeats = decided > 0 ? Math.max(1, Math.round(idx.length / decided)) : 1;
  const secretariat = classes.indexOf('secretariat');
  return docs
    .filter((d) => d.forced)
    .flatMap((d) => Array.from({ length: repeats }, () => ({ truth: d.label, predicted: d.forcedTo ? classes.indexOf(d.forcedTo) : secretariat })));
}

function pointOf(pairs: RoutedPair[], classes: Destination[], threshold: number, reviewMargin: number): OperatingPoint {
  const cov = coverage(pairs);
  return { threshold, reviewMargin, coverage: cov.coverage, misrouteRate: cov.misrouteRate, macroF1: macroF1(perClass(classes, pairs), pairs) };
}

function operatingPoint(docs: CorpusDoc[], idx: number[], probs: number[][], classes: Destination[], threshold: number, reviewMargin: number): OperatingPoint {
  return pointOf(finalPairs(docs, idx, probs, classes, resolveThresholds(threshold, {}, undefined), reviewMargin), classes, threshold, reviewMargin);
}

function givenPoint(docs: CorpusDoc[], idx: number[], probs: number[][], classes: Destination[], t: ResolvedThresholds, reviewMargin: number) {
  const pairs = finalPairs(docs, idx, probs, classes, t, reviewMargin);
  return { ...pointOf(pairs, classes, t.global, reviewMargin), thresholds: t.perDestination, perDestination: perClass(classes, pairs) };
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
    /** Shuffled repetitions of the k-fold split (default 1). */
    repeats?: number;
    /** Group of each document: leave-one-group-out instead of k folds. */
    groups?: number[];
    threshold?: number;
    reviewMargin?: number;
    /** Per-destination thresholds to evaluate out of fold (report only). */
    destinationThresholds?: DestinationThresholds;
    /** Overrides of the per-destination threshold search. */
    search?: Partial<ThresholdSearch>;
    options?: Partial<TrainOptions>;
    features?: FeatureOptions;
  },
): TrainResult {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...meta.options };
  const folds = meta.folds ?? 5;
  const features = meta.features ?? WORD_FEATURES;
  const valueOf: ValueOf = (f) => featureValue(f, features);
  const algs = meta.algorithm ? [meta.algorithm] : ALGORITHMS;
  const settings: CvSettings = {
    folds,
    repeats: meta.repeats ?? 1,
    groups: meta.groups,
    threshold: meta.threshold ?? 0.6,
    reviewMargin: meta.reviewMargin ?? 0.15,
    destinationThresholds: meta.destinationThresholds,
    search: meta.search,
    opts,
    valueOf,
  };
  const cv = algs.map((a) => crossValidate(a, docs, classes, settings));
  const best = [...cv].sort((a, b) => b.macroF1 - a.macroF1 || a.logLoss - b.logLoss)[0]!;
  const params = train(best.algorithm, docs, classes.length, opts, valueOf);
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
    features,
    ...(best.recommended ? { recommended: { ...pick(best.recommended), ...pickDestination(best.destinationThresholds) } } : {}),
    vocab: params.vocab,
    bias: params.bias,
    weights: params.weights,
    cv: { folds, repeats: settings.repeats, grouped: settings.groups !== undefined, options: opts, results: cv.map(({ misclassified: _m, sweep: _s, ...rest }) => rest) },
  };
  return { file, cv };
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function pickDestination(p: ThresholdPoint | null) {
  if (!p) return {};
  return {
    destinationThresholds: p.thresholds,
    destinationFigures: { reviewMargin: p.reviewMargin, coverage: r4(p.coverage), misrouteRate: r4(p.misrouteRate), macroF1: r4(p.macroF1) },
  };
}

function pick(p: OperatingPoint) {
  const r = r4;
  return { threshold: p.threshold, reviewMargin: p.reviewMargin, coverage: r(p.coverage), misrouteRate: r(p.misrouteRate), macroF1: r(p.macroF1) };
}
