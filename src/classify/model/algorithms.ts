/**
 * Two small learners over binary features that both yield a linear scorer: multinomial naive
 * Bayes (robust with few examples) and softmax logistic regression (better calibrated when words
 * overlap between classes). Written here rather than natural's BayesClassifier, whose JSON
 * serialisation stores every document and whose scores cannot be explained per word cheaply.
 */
import { mulberry32 } from '../../shared/prng';

export interface TrainDoc {
  features: string[];
  label: number; // class index
  /** Fixed log-odds added to the scores during training (the rules' weights): the regression
   *  then learns what the rules do not already say, instead of counting the same word twice. */
  offset?: number[];
}

export interface LinearParams {
  algorithm: 'naive-bayes' | 'logistic-regression';
  normalize: 'l2' | 'binary';
  vocab: string[];
  bias: number[];
  weights: number[][];
}

export interface TrainOptions {
  minDocFreq: number; // features seen in fewer documents are dropped (noise, names)
  nbAlpha: number; // Laplace smoothing
  lrEpochs: number;
  lrRate: number;
  lrL2: number;
  seed: number;
  /** Logistic regression: train with the rule weights as fixed offsets. */
  ruleOffsets: boolean;
  /** After training, features whose weights differ across classes by less than this are dropped
   *  (they barely move any decision): a smaller model file and fewer lookups per message. The
   *  remaining weights are re-fitted without them. 0 = keep all. */
  pruneSpread?: number;
}

/**
 * lrL2 and pruneSpread chosen by cross-validation on config/training (5 folds x 6 shuffles) with
 * the letter n-grams: L2 3e-3 rather than 1e-3 (log-loss 0.193 → 0.188, steadier confidences;
 * 1e-2 under-fits), and pruning at 0.25 drops ~45 % of the features (model 1.4 MB → 0.8 MB,
 * fewer lookups per message) with no loss (final macro-F1 0.895 → 0.898, within the noise).
 */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { minDocFreq: 2, nbAlpha: 0.5, lrEpochs: 40, lrRate: 0.5, lrL2: 3e-3, seed: 42, ruleOffsets: false, pruneSpread: 0.25 };

export function buildVocab(docs: TrainDoc[], minDocFreq: number): string[] {
  const df = new Map<string, number>();
  for (const d of docs) for (const f of new Set(d.features)) df.set(f, (df.get(f) ?? 0) + 1);
  return [...df.entries()]
    .filter(([, n]) => n >= minDocFreq)
    .map(([f]) => f)
    .sort();
}

/** A feature's value before normalisation (letter n-grams may weigh less than words). */
export type ValueOf = (feature: string) => number;
const ONE: ValueOf = () => 1;

/** A document as the indices of its known features and their values. */
export interface SparseRow {
  idx: number[];
  val: number[];
}

/** Known features of a document; with `l2` the values are divided by the vector's norm. */
export function sparseRow(features: string[], index: Map<string, number>, valueOf: ValueOf, normalize: 'l2' | 'binary'): SparseRow {
  const idx: number[] = [];
  const val: number[] = [];
  let sq = 0;
  for (const f of new Set(features)) {
    const i = index.get(f);
    if (i === undefined) continue;
    const v = normalize === 'l2' ? valueOf(f) : 1;
    idx.push(i);
    val.push(v);
    sq += v * v;
  }
  if (normalize === 'l2' && sq > 0) {
    const inv = 1 / Math.sqrt(sq);
    for (let j = 0; j < val.length; j++) val[j]! *= inv;
  }
  return { idx, val };
}

function indexDocs(docs: TrainDoc[], vocab: string[], valueOf: ValueOf, normalize: 'l2' | 'binary'): SparseRow[] {
  const index = new Map(vocab.map((f, i) => [f, i]));
  return docs.map((d) => sparseRow(d.features, index, valueOf, normalize));
}

export function trainNaiveBayes(docs: TrainDoc[], k: number, opts: TrainOptions): LinearParams {
  const vocab = buildVocab(docs, opts.minDocFreq);
  const rows = indexDocs(docs, vocab, ONE, 'binary');
  const v = vocab.length;
  const counts = Array.from({ length: k }, () => new Float64Array(v));
  const docCount = new Array<number>(k).fill(0);
  rows.forEach((row, i) => {
    const c = docs[i]!.label;
    docCount[c]!++;
    for (const f of row.idx) counts[c]![f]!++;
  });
  const weights = counts.map((cnt) => {
    const total = cnt.reduce((a, b) => a + b, 0) + opts.nbAlpha * v;
    return Array.from(cnt, (n) => round(Math.log((n + opts.nbAlpha) / total)));
  });
  const bias = docCount.map((n) => round(Math.log((n + 1) / (docs.length + k))));
  return { algorithm: 'naive-bayes', normalize: 'binary', vocab, bias, weights };
}

export function trainLogReg(docs: TrainDoc[], k: number, opts: TrainOptions, valueOf: ValueOf = ONE): LinearParams {
  const full = fitLogReg(docs, k, opts, valueOf, buildVocab(docs, opts.minDocFreq));
  if (!opts.pruneSpread) return full;
  const keep = full.vocab.filter((_, f) => {
    let max = -Infinity;
    let min = Infinity;
    for (let c = 0; c < k; c++) {
      const w = full.weights[c]![f]!;
      if (w > max) max = w;
      if (w < min) min = w;
    }
    return max - min >= opts.pruneSpread!;
  });
  // Re-fitted on the kept features: the normalisation of each message changes without the others.
  return fitLogReg(docs, k, opts, valueOf, keep);
}

function fitLogReg(docs: TrainDoc[], k: number, opts: TrainOptions, valueOf: ValueOf, vocab: string[]): LinearParams {
  const rows = indexDocs(docs, vocab, valueOf, 'l2');
  const v = vocab.length;
  const w = Array.from({ length: k }, () => new Float64Array(v));
  const bias = new Float64Array(k);
  const rand = mulberry32(opts.seed);
  const order = rows.map((_, i) => i);
  const scores = new Float64Array(k);
  for (let epoch = 0; epoch < opts.lrEpochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const rate = opts.lrRate / (1 + epoch * 0.1);
    for (const di of order) {
      const { idx, val } = rows[di]!;
      const n = idx.length;
      let max = -Infinity;
      const offset = docs[di]!.offset;
      for (let c = 0; c < k; c++) {
        let s = bias[c]! + (offset?.[c] ?? 0);
        const wc = w[c]!;
        for (let j = 0; j < n; j++) s += wc[idx[j]!]! * val[j]!;
        scores[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += scores[c] = Math.exp(scores[c]! - max);
      for (let c = 0; c < k; c++) {
        const g = scores[c]! / sum - (docs[di]!.label === c ? 1 : 0);
        bias[c]! -= rate * g;
        const wc = w[c]!;
        for (let j = 0; j < n; j++) {
          const f = idx[j]!;
          wc[f]! -= rate * (g * val[j]! + opts.lrL2 * wc[f]!);
        }
      }
    }
  }
  return {
    algorithm: 'logistic-regression',
    normalize: 'l2',
    vocab,
    bias: Array.from(bias, round),
    weights: w.map((wc) => Array.from(wc, round)),
  };
}

/** Four decimals are plenty for log-odds and shrink model.json by half. */
function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
