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

export const MODEL_FORMAT_VERSION = 1;

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
  /** Feature values are 1/sqrt(n) of the distinct features present ('l2') or 1 ('binary'). */
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
    .strictObject({ prefix: z.number().int().min(0).max(12), bigrams: z.boolean(), compound: z.number().int().min(0).max(12) })
    .default({ prefix: 0, bigrams: false, compound: 0 }),
  /** Thresholds measured by cross-validation: the confidence threshold to set in
   *  classify.threshold for the misroute target, with the coverage and misroute rate it gave. */
  recommended: z.strictObject({ threshold: z.number(), reviewMargin: z.number(), coverage: z.number(), misrouteRate: z.number() }).optional(),
  cv: z.record(z.string(), z.unknown()).optional(),
});
export type ModelFile = z.input<typeof modelFileSchema>;
export type LoadedModelFile = z.infer<typeof modelFileSchema>;

export interface Model {
  file: LoadedModelFile;
  classes: Destination[];
  index: Map<string, number>;
  /** Feature-major weights: row f holds one weight per class (cache-friendly scoring). */
  rows: Float64Array;
}

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
  file.vocab.forEach((name, i) => index.set(name, i));
  return { file, classes: [...file.classes], index, rows };
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
  /** Indices of known features and their value. */
  known: number[];
  value: number;
}

export function scoreFeatures(model: Model, names: string[]): Scored {
  const k = model.classes.length;
  const known: number[] = [];
  for (const n of names) {
    const i = model.index.get(n);
    if (i !== undefined) known.push(i);
  }
  const value = model.file.normalize === 'l2' && known.length > 0 ? 1 / Math.sqrt(known.length) : 1;
  const scores = model.file.bias.slice();
  for (const f of known) {
    const base = f * k;
    for (let c = 0; c < k; c++) scores[c]! += value * model.rows[base + c]!;
  }
  return { scores, known, value };
}

/** Features that pushed most towards class a rather than class b, strongest first. */
export function topContributions(model: Model, s: Scored, a: number, b: number, n: number): { feature: string; delta: number }[] {
  const k = model.classes.length;
  return s.known
    .map((f) => ({ feature: model.file.vocab[f]!, delta: s.value * (model.rows[f * k + a]! - model.rows[f * k + b]!) }))
    .filter((x) => x.delta > 0)
    .sort((x, y) => y.delta - x.delta)
    .slice(0, n);
}

export function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
