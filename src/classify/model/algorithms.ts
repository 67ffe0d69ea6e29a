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
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = { minDocFreq: 2, nbAlpha: 0.5, lrEpochs: 40, lrRate: 0.5, lrL2: 1e-3, seed: 42, ruleOffsets: false };

export function buildVocab(docs: TrainDoc[], minDocFreq: number): string[] {
  const df = new Map<string, number>();
  for (const d of docs) for (const f of new Set(d.features)) df.set(f, (df.get(f) ?? 0) + 1);
  return [...df.entries()]
    .filter(([, n]) => n >= minDocFreq)
    .map(([f]) => f)
    .sort();
}

function indexDocs(docs: TrainDoc[], vocab: string[]): number[][] {
  const index = new Map(vocab.map((f, i) => [f, i]));
  return docs.map((d) => [...new Set(d.features)].map((f) => index.get(f)).filter((i): i is number => i !== undefined));
}

export function trainNaiveBayes(docs: TrainDoc[], k: number, opts: TrainOptions): LinearParams {
  const vocab = buildVocab(docs, opts.minDocFreq);
  const rows = indexDocs(docs, vocab);
  const v = vocab.length;
  const counts = Array.from({ length: k }, () => new Float64Array(v));
  const docCount = new Array<number>(k).fill(0);
  rows.forEach((row, i) => {
    const c = docs[i]!.label;
    docCount[c]!++;
    for (const f of row) counts[c]![f]!++;
  });
  const weights = counts.map((cnt) => {
    const total = cnt.reduce((a, b) => a + b, 0) + opts.nbAlpha * v;
    return Array.from(cnt, (n) => round(Math.log((n + opts.nbAlpha) / total)));
  });
  const bias = docCount.map((n) => round(Math.log((n + 1) / (docs.length + k))));
  return { algorithm: 'naive-bayes', normalize: 'binary', vocab, bias, weights };
}

export function trainLogReg(docs: TrainDoc[], k: number, opts: TrainOptions): LinearParams {
  const vocab = buildVocab(docs, opts.minDocFreq);
  const rows = indexDocs(docs, vocab);
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
      const row = rows[di]!;
      const x = row.length > 0 ? 1 / Math.sqrt(row.length) : 0;
      let max = -Infinity;
      const offset = docs[di]!.offset;
      for (let c = 0; c < k; c++) {
        let s = bias[c]! + (offset?.[c] ?? 0);
        for (const f of row) s += w[c]![f]! * x;
        scores[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += scores[c] = Math.exp(scores[c]! - max);
      for (let c = 0; c < k; c++) {
        const g = scores[c]! / sum - (docs[di]!.label === c ? 1 : 0);
        bias[c]! -= rate * g;
        const wc = w[c]!;
        for (const f of row) wc[f]! -= rate * (g * x + opts.lrL2 * wc[f]!);
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
