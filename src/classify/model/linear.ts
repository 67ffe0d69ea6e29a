/**
 * The trained model: a linear scorer over binary features (naive Bayes log-probabilities and
 * logistic regression both reduce to it), with a temperature fitted by cross-validation.
 * Stored as versioned JSON; loading is synchronous and strict so the worker refuses to start
 * with a missing or stale model.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { z } from 'zod';
import { AigError } from '../../shared/errors';
import { AUTO_DESTINATIONS, type Destination } from '../types';
import type { IndexRecord } from '../../index/types';
import { forEachWord } from '../text';
import { getStemmer, getStopwords, gramsOf, indexFacts, isGram, keepToken, MAX_MODEL_CHARS, stemOf, surfaceAt, type Features, type FoldedTexts } from './features';

/** 2: feature set with letter n-grams (charMin, charMax, charWeight), each feature valued before
 *  the L2 normalisation; a format 1 model is refused (retrain) rather than scored differently. */
export const MODEL_FORMAT_VERSION = 2;

export class ModelError extends AigError {
  constructor(message: string) {
    super('AIG_ERR_MODEL', message);
  }
}

const modelFileSchema = z.object({
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  algorithm: z.enum(['naive-bayes', 'logistic-regression']),
  trainedAt: z.string(),
  corpusHash: z.string(),
  corpusSize: z.number().int().nonnegative(),
  /** Feature values are divided by the norm of the document's vector ('l2': 1/sqrt(n) when every
   *  feature weighs 1) or all 1 ('binary'). */
  normalize: z.enum(['l2', 'binary']),
  classes: z.array(z.enum(AUTO_DESTINATIONS)).min(2),
  temperature: z.number().positive(),
  /** Multiplier of the rules' weights, fitted with the temperature (1 = as written). */
  ruleScale: z.number().positive().default(1),
  vocab: z.array(z.string()),
  bias: z.array(z.number()),
  /** weights[classIndex][featureIndex] */
  weights: z.array(z.array(z.number())),
  /** The feature set the model was trained on (absent in older files: words only). */
  features: z
    .strictObject({
      prefix: z.number().int().min(0).max(12),
      bigrams: z.boolean(),
      compound: z.number().int().min(0).max(12),
      charMin: z.number().int().min(0).max(8).default(0),
      charMax: z.number().int().min(0).max(8).default(0),
      charWeight: z.number().positive().max(10).default(1),
    })
    .refine((f) => f.charMin <= f.charMax, 'features.charMin > features.charMax')
    .default({ prefix: 0, bigrams: false, compound: 0, charMin: 0, charMax: 0, charWeight: 1 }),
  /** Thresholds measured by cross-validation: the confidence threshold to set in
   *  classify.threshold for the misroute target, with the coverage and misroute rate it gave;
   *  and the per-destination thresholds chosen out of fold (applied by the worker unless
   *  classify.destinationThresholds overrides them), with the figures they gave at the margin
   *  they were chosen for. */
  recommended: z
    .strictObject({
      threshold: z.number(),
      reviewMargin: z.number(),
      coverage: z.number(),
      misrouteRate: z.number(),
      macroF1: z.number().optional(),
      destinationThresholds: z.partialRecord(z.enum(AUTO_DESTINATIONS), z.number().gt(0).lt(1)).optional(),
      destinationFigures: z
        .strictObject({ reviewMargin: z.number(), coverage: z.number(), misrouteRate: z.number(), macroF1: z.number() })
        .optional(),
    })
    .optional(),
  cv: z.record(z.string(), z.unknown()).optional(),
});
export type ModelFile = z.input<typeof modelFileSchema>;
export type LoadedModelFile = z.infer<typeof modelFileSchema>;

export interface Model {
  /** The file as loaded, but for `weights`, emptied once copied into `rows`. */
  file: LoadedModelFile;
  classes: Destination[];
  index: Map<string, number>;
  /** Feature-major weights: row f holds one weight per class (cache-friendly scoring). */
  rows: Float64Array;
  /** 1 where vocab[f] is a letter n-gram (valued features.charWeight before normalisation). */
  gram: Uint8Array;
  /** Known letter n-grams of a word, by word (bounded cache: words repeat across messages). */
  gramsOfWord: Map<string, Int32Array>;
  /** Scratch marks to count an n-gram once per message however many words contain it. */
  mark: Uint32Array;
  stamp: { n: number };
  /** The worker's scorer (scoreIndex): what each word of a language adds, by word (bounded). */
  tokens: Map<string, Map<string, TokenInfo>>;
  /** Words in `tokens`, all languages together (bounded by TOKEN_CACHE_MAX). */
  tokenCount: { n: number };
}

/** A word's part in the score, worked out once per language and word (scoreIndex). */
export interface TokenInfo {
  /** Vocabulary index of its stem in the body ("traduct") and in the subject ("s:traduct"), or -1. */
  body: number;
  subject: number;
  /** Indices of its known letter n-grams, or null (a number, or no n-grams in the model). */
  grams: Int32Array | null;
  /** The message (stamp) that last listed it among its words with n-grams. */
  seen: number;
}

/** A word the model never sees: too short or long, or a stop word. */
const SKIPPED: TokenInfo = Object.freeze({ body: -1, subject: -1, grams: null, seen: 0 }) as TokenInfo;

/** Bound of the per-word n-gram cache: 20,000 words of ~10 indices is ~3 MB. */
const GRAM_CACHE_MAX = 20_000;
/** Bound of scoreIndex's words, all languages together: measured ~390 bytes of heap a word (the
 *  word, its entry and its n-gram indices), so ~12 MB when full; then every language starts afresh. */
export const TOKEN_CACHE_MAX = 30_000;

export function modelFromFile(input: ModelFile): Model {
  const file = modelFileSchema.parse(input);
  const k = file.classes.length;
  if (file.bias.length !== k || file.weights.length !== k) throw new ModelError('modèle incohérent : nombre de classes');
  const v = file.vocab.length;
  const rows = new Float64Array(v * k);
  file.weights.forEach((w, c) => {
    if (w.length !== v) throw new ModelError(`modèle incohérent : poids de ${file.classes[c]}`);
    for (let f = 0; f < v; f++) rows[f * k + c] = w[f]!;
  });
  const index = new Map<string, number>();
  const gram = new Uint8Array(v);
  file.vocab.forEach((name, i) => {
    index.set(name, i);
    if (isGram(name)) gram[i] = 1;
  });
  // The rows hold the weights now: keeping the file's arrays too cost 2.3 MB of the worker's heap.
  file.weights = [];
  return { file, classes: [...file.classes], index, rows, gram, gramsOfWord: new Map(), mark: new Uint32Array(v), stamp: { n: 0 }, tokens: new Map(), tokenCount: { n: 0 } };
}

export function loadModel(path: string): Model {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'fichier absent' : (err as Error).message;
    throw new ModelError(`modèle illisible (${path}) : ${why} — lancer "npx aiguillage train"`);
  }
  const version = (raw as { formatVersion?: unknown })?.formatVersion;
  if (version !== MODEL_FORMAT_VERSION) {
    throw new ModelError(
      `modèle ${path} : format ${JSON.stringify(version)} inconnu (attendu ${MODEL_FORMAT_VERSION}) — réentraîner avec "npx aiguillage train"`,
    );
  }
  const parsed = modelFileSchema.safeParse(raw);
  if (!parsed.success) throw new ModelError(`modèle ${path} invalide : ${parsed.error.issues[0]?.message}`);
  return modelFromFile(parsed.data);
}

export function saveModel(path: string, file: ModelFile): void {
  // Write then rename: a worker reading the file never sees half a model.
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(file));
  renameSync(tmp, path);
}

export interface Scored {
  /** Raw scores per class (model.classes order), before temperature. */
  scores: number[];
  /** Indices of known features, and where each first occurs in the message (-1: an index fact,
   *  or not known: scored from names alone). */
  known: number[];
  origins: number[];
  /** Normalised value of a known word feature, and of a known letter n-gram. */
  value: number;
  gramValue: number;
}

/** Adds up the known features' weights, each feature valued as in training (l2 over the known). */
function finishScore(model: Model, known: number[], origins: number[], grams: number): Scored {
  const k = model.classes.length;
  let value = 1;
  let gramValue = 1;
  if (model.file.normalize === 'l2' && known.length > 0) {
    const cw = model.file.features.charWeight;
    value = 1 / Math.sqrt(known.length - grams + cw * cw * grams);
    gramValue = cw * value;
  }
  // Words and n-grams summed apart, then scaled once: the inner loop is the hot path.
  const wordSum = new Float64Array(k);
  const gramSum = new Float64Array(k);
  const { rows, gram } = model;
  for (let j = 0; j < known.length; j++) {
    const f = known[j]!;
    const sum = gram[f] ? gramSum : wordSum;
    const base = f * k;
    for (let c = 0; c < k; c++) sum[c]! += rows[base + c]!;
  }
  const scores = model.file.bias.map((b, c) => b + value * wordSum[c]! + gramValue * gramSum[c]!);
  return { scores, known, origins, value, gramValue };
}

/** Scores a list of feature names (training's view of a message; tests). */
export function scoreFeatures(model: Model, names: string[]): Scored {
  const known: number[] = [];
  let grams = 0;
  for (const n of new Set(names)) {
    const i = model.index.get(n);
    if (i === undefined) continue;
    known.push(i);
    grams += model.gram[i]!;
  }
  return finishScore(model, known, known.map(() => -1), grams);
}

function knownGramsOf(model: Model, word: string): Int32Array {
  let out = model.gramsOfWord.get(word);
  if (out !== undefined) return out;
  out = gramIndices(model, word);
  if (model.gramsOfWord.size >= GRAM_CACHE_MAX) model.gramsOfWord.clear();
  model.gramsOfWord.set(word, out);
  return out;
}

/** The vocabulary indices of a word's letter n-grams, each once, in gramsOf's order. */
function gramIndices(model: Model, word: string): Int32Array {
  const { charMin, charMax } = model.file.features;
  const idx: number[] = [];
  for (const g of gramsOf(word, charMin, charMax)) {
    const i = model.index.get(g);
    if (i !== undefined && !idx.includes(i)) idx.push(i);
  }
  return Int32Array.from(idx);
}

/** Empties scoreIndex's word cache (@internal exported for tests). */
export function forgetTokens(model: Model): void {
  for (const words of model.tokens.values()) words.clear();
  model.tokenCount.n = 0;
}

/** A new stamp for the marks of one message (an index marked with it was counted already). */
function nextStamp(model: Model): number {
  if (model.stamp.n >= 0xfffffffe) {
    model.mark.fill(0);
    // The cached words remember the stamp of the last message that listed them.
    forgetTokens(model);
    model.stamp.n = 0;
  }
  return ++model.stamp.n;
}

/** Adds a word's known n-grams (`idx`) not yet counted in this message, each at the word's
 *  `origin`, and marks them; returns how many it added. */
function addNewGrams(idx: Int32Array, origin: number, mark: Uint32Array, stamp: number, known: number[], origins: number[]): number {
  let added = 0;
  for (let g = 0; g < idx.length; g++) {
    const i = idx[g]!;
    if (mark[i] === stamp) continue;
    mark[i] = stamp;
    known.push(i);
    origins.push(origin);
    added++;
  }
  return added;
}

/**
 * Scores a message's features: the same result as scoreFeatures(model, feats.names), without
 * building every letter n-gram's name (the worker's hot path: one cached lookup per word).
 */
export function scoreMessage(model: Model, feats: Features): Scored {
  const known: number[] = [];
  const origins: number[] = [];
  const { names, origins: at } = feats.base;
  for (let j = 0; j < names.length; j++) {
    const i = model.index.get(names[j]!);
    if (i === undefined) continue;
    known.push(i);
    origins.push(at[j]!);
  }
  let grams = 0;
  if (model.file.features.charMin > 0) {
    // A new stamp per message: an n-gram met in two words counts once (binary presence).
    const { mark } = model;
    const stamp = nextStamp(model);
    const { words, origins: wat } = feats.gramWords;
    for (let j = 0; j < words.length; j++) grams += addNewGrams(knownGramsOf(model, words[j]!), wat[j]!, mark, stamp, known, origins);
  }
  return finishScore(model, known, origins, grams);
}

/** A message scored by scoreIndex, with the word at a feature's origin for the explanation. */
export interface ScoredMessage extends Scored {
  wordAt(origin: number): string;
}

/**
 * The worker's scorer: the same result as scoreMessage(model, extractFeatures(ix, features,
 * folded)) — the same known features in the same order with the same origins, so the same
 * scores to the last bit and the same explanation — without building the message's feature
 * names. What a word adds (its stem's index in the subject and in the body, its known letter
 * n-grams; nothing for a stop word) is worked out once per language and word and kept
 * (TOKEN_CACHE_MAX words in all), so a word of a message costs one Map lookup; the stems
 * and n-grams of a word are not also kept in the stem and n-gram caches of the training path.
 * Measured on the benchmark mix, tight loop, 6 alternating pairs: features + scoring 34-43 → 19-21
 * µs a message.
 * Returns null for a model trained with word prefixes, compounds or bigrams (none is
 * shipped): those go through extractFeatures.
 */
export function scoreIndex(model: Model, ix: IndexRecord, folded: FoldedTexts): ScoredMessage | null {
  const opts = model.file.features;
  if (opts.prefix > 0 || opts.compound > 0 || opts.bigrams) return null;
  const stamp = nextStamp(model); // first: a wrap-around empties the word cache
  const lang = ix.language;
  let cache = model.tokens.get(lang);
  if (!cache) model.tokens.set(lang, (cache = new Map()));
  const { mark } = model;
  const known: number[] = [];
  const origins: number[] = [];
  // Words with n-grams, in the order of their first occurrence (subject first), and where.
  const gramWords: TokenInfo[] = [];
  const gramAt: number[] = [];
  const withGrams = opts.charMin > 0;
  const scan = (text: string, base: number, subject: boolean): void => {
    const t = text.length > MAX_MODEL_CHARS ? text.slice(0, MAX_MODEL_CHARS) : text;
    forEachWord(t, (start, end) => {
      const tok = t.slice(start, end);
      let info = cache.get(tok);
      if (info === undefined) {
        info = tokenInfo(model, lang, tok, withGrams);
        if (model.tokenCount.n >= TOKEN_CACHE_MAX) forgetTokens(model);
        cache.set(tok, info);
        model.tokenCount.n++;
      }
      if (info === SKIPPED) return;
      const f = subject ? info.subject : info.body;
      if (f >= 0 && mark[f] !== stamp) {
        mark[f] = stamp;
        known.push(f);
        origins.push(base + start);
      }
      if (info.grams !== null && info.seen !== stamp) {
        info.seen = stamp;
        gramWords.push(info);
        gramAt.push(base + start);
      }
    });
  };
  const textBase = folded.subject.length + 1;
  scan(folded.subject, 0, true);
  scan(folded.text, textBase, false);
  for (const fact of indexFacts(ix)) {
    const f = model.index.get(fact);
    if (f === undefined || mark[f] === stamp) continue;
    mark[f] = stamp;
    known.push(f);
    origins.push(-1);
  }
  let grams = 0;
  for (let j = 0; j < gramWords.length; j++) grams += addNewGrams(gramWords[j]!.grams!, gramAt[j]!, mark, stamp, known, origins);
  const { scores, value, gramValue } = finishScore(model, known, origins, grams);
  const wordAt = (at: number): string =>
    at < textBase ? surfaceAt(ix.subject, folded.subject, at) : surfaceAt(ix.text, folded.text, at - textBase);
  // Not { ...scored, wordAt }: an object spread here cost as much as the facts' lookups.
  return { scores, known, origins, value, gramValue, wordAt };
}

function tokenInfo(model: Model, lang: string, tok: string, withGrams: boolean): TokenInfo {
  if (!keepToken(tok) || getStopwords().has(tok)) return SKIPPED;
  const stemmer = getStemmer(lang);
  const stem = stemmer ? stemOf(stemmer, tok) : tok;
  // Letter n-grams of words only: a number has none (extractFeatures' rule).
  const grams = withGrams && tok.charCodeAt(0) > 57 ? gramIndices(model, tok) : null;
  return { body: model.index.get(stem) ?? -1, subject: model.index.get(`s:${stem}`) ?? -1, grams, seen: 0 };
}

/**
 * What pushed most towards class a rather than class b, strongest first. The features that
 * come from one word (its stem, prefix and letter n-grams: same origin) are added up and the
 * word is reported with its strongest positive feature; index facts stand alone.
 */
export function topContributions(model: Model, s: Scored, a: number, b: number, n: number): { feature: string; delta: number; origin: number }[] {
  const k = model.classes.length;
  const groups = new Map<number, { f: number; delta: number; best: number; origin: number }>();
  for (let j = 0; j < s.known.length; j++) {
    const f = s.known[j]!;
    const origin = s.origins[j]!;
    const delta = (model.gram[f] ? s.gramValue : s.value) * (model.rows[f * k + a]! - model.rows[f * k + b]!);
    const key = origin >= 0 ? origin : -1 - f;
    const g = groups.get(key);
    if (!g) groups.set(key, { f, delta, best: delta, origin });
    else {
      g.delta += delta;
      if (delta > g.best) {
        g.best = delta;
        g.f = f;
      }
    }
  }
  return [...groups.values()]
    .filter((x) => x.delta > 0)
    .sort((x, y) => y.delta - x.delta)
    .slice(0, n)
    .map(({ f, delta, origin }) => ({ feature: model.file.vocab[f]!, delta, origin }));
}

export function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
