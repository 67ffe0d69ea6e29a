import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_FEATURES, extractFeatures, WORD_FEATURES } from '../../../src/classify/model/features';
import { loadModel, MODEL_FORMAT_VERSION, modelFromFile, ModelError, saveModel, scoreFeatures, scoreMessage, topContributions } from '../../../src/classify/model/linear';
import { assignFolds, fitTemperature, outOfFold, shuffledFolds, trainModel } from '../../../src/classify/model/train';
import { DEFAULT_TRAIN_OPTIONS } from '../../../src/classify/model/algorithms';
import { AUTO_DESTINATIONS } from '../../../src/classify/types';
import { record } from './builders';
import { DESTINATION_MAX_MISROUTE, DESTINATION_THRESHOLD_GRID } from '../../../src/classify/model/destination-thresholds';
import { TINY_CORPUS, tinyDocs, tinyModel } from './tiny-model';

const GRAMS = { ...WORD_FEATURES, charMin: 4, charMax: 5, charWeight: 0.5 };

describe('features', () => {
  it('folds accents, stems per language, drops stop words, adds index facts', () => {
    const f = extractFeatures(record({ subject: 'Übersetzung', body: 'Bitte um Übersetzungen der Bescheide', language: 'de', forms: ['S2'], kind: 'foreign-institution' }));
    expect(f.names).toContain('s:ubersetz');
    expect(f.names).toContain('ubersetz');
    expect(f.names).not.toContain('um');
    expect(f.names).toEqual(expect.arrayContaining(['#form:S2', '#kind:foreign-institution']));
    expect(f.names.some((n) => n.startsWith('#lang:'))).toBe(false);
    const fr = extractFeatures(record({ body: 'Détachement et détachements', language: 'fr' }));
    expect(fr.names.filter((n) => n.startsWith('detach'))).toHaveLength(1);
    // The explanation shows the word as written, accents included.
    expect(fr.surfaceOf(fr.names.find((n) => n.startsWith('detach'))!)).toBe('détachement');
  });

  it('prefix features let the same root meet across languages', () => {
    const opts = { ...DEFAULT_FEATURES, prefix: 5 };
    const es = extractFeatures(record({ body: 'Solicito la traducción', language: 'es' }), opts);
    const it_ = extractFeatures(record({ body: 'Chiedo la traduzione', language: 'it' }), opts);
    expect(es.names).toContain('p:tradu');
    expect(it_.names).toContain('p:tradu');
    expect(es.surfaceOf('p:tradu')).toBe('traducción');
    // Where folding changes lengths (ß → ss) the folded word is shown rather than a wrong cut.
    const de = extractFeatures(record({ subject: 'Straße', body: 'Übersetzung für die Straße', language: 'de' }));
    expect(de.surfaceOf('s:strass')).toBe('strasse');
    expect(de.names).toContain('ubersetz');
    // Off by default for models that did not record a feature set.
    expect(extractFeatures(record({ body: 'Solicito la traducción', language: 'es' })).names).not.toContain('p:tradu');
  });

  it('letter n-grams come from folded words, with their boundaries, once per message', () => {
    const f = extractFeatures(record({ body: 'Übersetzung, übersetzung und Übersetzungen', language: 'de' }), GRAMS);
    const grams = f.names.filter((n) => n.startsWith('g:'));
    expect(grams.length).toBeGreaterThan(0);
    expect(new Set(grams).size).toBe(grams.length);
    for (const g of grams) {
      const core = g.slice(2);
      expect(core.length).toBeGreaterThanOrEqual(4);
      expect(core.length).toBeLessThanOrEqual(5);
      // Every n-gram is a piece of "_ubersetzung_" or "_ubersetzungen_" (accents folded).
      expect('_ubersetzung_ _ubersetzungen_').toContain(core);
    }
    expect(grams).toContain('g:_uber');
    // An n-gram is explained by the word it came from, as written.
    expect(f.surfaceOf('g:_uber')).toBe('übersetzung');
    // Numbers give no n-grams; the words-only feature set gives none at all.
    expect(extractFeatures(record({ body: 'règlement 883/2004' }), GRAMS).names.filter((n) => /^g:.*\d/.test(n))).toEqual([]);
    expect(extractFeatures(record({ body: 'Übersetzung' })).names.some((n) => n.startsWith('g:'))).toBe(false);
  });

  it('falls back to folding for languages without a stemmer', () => {
    const f = extractFeatures(record({ body: 'Prośba o tłumaczenie', language: 'pl' }));
    expect(f.names).toEqual(expect.arrayContaining(['prosba', 'tlumaczenie']));
  });
});

describe('training', () => {
  it.each(['naive-bayes', 'logistic-regression'] as const)('%s learns the tiny corpus', (alg) => {
    const model = tinyModel(alg);
    const s = scoreFeatures(model, extractFeatures(record({ body: 'traduction d un acte de naissance' })).names);
    expect(model.classes[s.scores.indexOf(Math.max(...s.scores))]).toBe('linguistique');
  });

  it('stratified folds spread each class', () => {
    expect(assignFolds([0, 0, 0, 1, 1, 1], 3)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('shuffled repetitions stay stratified and differ from one another', () => {
    const labels = Array.from({ length: 40 }, (_, i) => i % 4);
    const a = shuffledFolds(labels, 5, 1001);
    const b = shuffledFolds(labels, 5, 1002);
    expect(a).not.toEqual(b);
    for (const folds of [a, b]) {
      for (let f = 0; f < 5; f++) {
        for (let c = 0; c < 4; c++) expect(labels.filter((l, i) => l === c && folds[i] === f)).toHaveLength(2);
      }
    }
    expect(shuffledFolds(labels, 5, 0)).toEqual(assignFolds(labels, 5));
  });

  it('out-of-fold scores: one per message and repetition; leave-one-group-out scores each once', () => {
    const docs = tinyDocs();
    const base = { folds: 3, threshold: 0.8, reviewMargin: 0.15, opts: { ...DEFAULT_TRAIN_OPTIONS, minDocFreq: 1 }, valueOf: () => 1 };
    const rep = outOfFold('logistic-regression', docs, 5, { ...base, repeats: 2 });
    expect(rep).toHaveLength(docs.length * 2);
    docs.forEach((_, i) => expect(rep.filter((o) => o.doc === i)).toHaveLength(2));
    const groups = docs.map((_, i) => i % 3);
    const grouped = outOfFold('logistic-regression', docs, 5, { ...base, repeats: 1, groups });
    expect(grouped).toHaveLength(docs.length);
  });

  it('letter n-grams let an unseen inflection meet the trained word', () => {
    const classes = [...AUTO_DESTINATIONS];
    const docs = classes.flatMap((d) =>
      TINY_CORPUS[d].map((body) => ({ features: extractFeatures(record({ body }), GRAMS).names, label: classes.indexOf(d), ruleWeights: classes.map(() => 0), forced: false })),
    );
    const { file } = trainModel(docs, classes, { corpusHash: 'g', algorithm: 'logistic-regression', folds: 3, options: { minDocFreq: 1 }, features: GRAMS });
    const model = modelFromFile(file);
    // "traductrices" and "interprètes" never occur in the tiny corpus; their n-grams do.
    const feats = extractFeatures(record({ body: 'Nos traductrices et interprètes' }), GRAMS);
    const s = scoreMessage(model, feats);
    expect(s.known.some((i) => model.gram[i] === 1)).toBe(true);
    expect(model.classes[s.scores.indexOf(Math.max(...s.scores))]).toBe('linguistique');
    // The worker's path scores exactly what training's view of the message scores.
    const ref = scoreFeatures(model, feats.names).scores;
    s.scores.forEach((x, c) => expect(x).toBeCloseTo(ref[c]!, 9));
    // The explanation adds up a word's n-grams and names the word, never an n-gram.
    const top = topContributions(model, s, classes.indexOf('linguistique'), classes.indexOf('secretariat'), 6);
    expect(top.length).toBeGreaterThan(0);
    for (const c of top) expect(['traductrices', 'interprètes', 'nos']).toContain(feats.wordAt(c.origin));
  });

  it('pruning drops the features that weigh alike for every class, and the model still learns', () => {
    const docs = tinyDocs();
    const classes = [...AUTO_DESTINATIONS];
    const train = (pruneSpread: number) =>
      trainModel(docs, classes, { corpusHash: 'p', algorithm: 'logistic-regression', folds: 3, options: { minDocFreq: 1, pruneSpread } }).file;
    const full = train(0);
    const spread = full.vocab.map((_, f) => {
      const w = full.weights.map((wc) => wc[f]!);
      return Math.max(...w) - Math.min(...w);
    });
    const median = [...spread].sort((a, b) => a - b)[Math.floor(spread.length / 2)]!;
    const pruned = train(median);
    // Exactly the features whose spread reaches the threshold are kept.
    expect(pruned.vocab).toEqual(full.vocab.filter((_, f) => spread[f]! >= median));
    expect(pruned.vocab.length).toBeLessThan(full.vocab.length);
    expect(full.vocab).toEqual(expect.arrayContaining(pruned.vocab));
    const model = modelFromFile(pruned);
    const s = scoreFeatures(model, extractFeatures(record({ body: 'traduction d un acte de naissance' })).names);
    expect(model.classes[s.scores.indexOf(Math.max(...s.scores))]).toBe('linguistique');
  });

  it('temperature: flattens over-confident scores, sharpens timid ones', () => {
    // Confident but wrong half the time -> T grows; timid but always right -> T shrinks.
    const labels = [0, 1, 0, 1];
    expect(fitTemperature([[10, 0], [10, 0], [0, 10], [0, 10]], labels.map(() => [0, 0]), [0, 1, 1, 0])).toBeGreaterThan(5);
    expect(fitTemperature([[0.1, 0], [0, 0.1], [0.1, 0], [0, 0.1]], labels.map(() => [0, 0]), labels)).toBeLessThan(0.1);
  });
});

describe('model file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-model-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips through save/load', () => {
    const { file } = trainModel(tinyDocs(), [...AUTO_DESTINATIONS], { corpusHash: 'h', folds: 3, options: { minDocFreq: 1 } });
    const p = path.join(dir, 'model.json');
    saveModel(p, file);
    const m = loadModel(p);
    expect(m.file).toMatchObject({ formatVersion: MODEL_FORMAT_VERSION, corpusHash: 'h', corpusSize: 30 });
    expect(m.index.size).toBe(file.vocab.length);
    expect(m.file.temperature).toBeGreaterThan(0);
    expect(m.file.features).toEqual(WORD_FEATURES);
  });

  it('records the cross-validated threshold sweep and the feature set it was trained with', () => {
    const { file, cv } = trainModel(tinyDocs(), [...AUTO_DESTINATIONS], { corpusHash: 'h', folds: 3, options: { minDocFreq: 1 }, features: DEFAULT_FEATURES });
    expect(file.features).toEqual(DEFAULT_FEATURES);
    const sweep = cv[0]!.sweep;
    expect(sweep.length).toBeGreaterThan(10);
    // A higher threshold never routes more messages.
    const byT = sweep.filter((p) => p.reviewMargin === 0).map((p) => p.coverage);
    byT.slice(1).forEach((c, i) => expect(c).toBeLessThanOrEqual(byT[i]!));
    if (file.recommended) expect(file.recommended.misrouteRate).toBeLessThanOrEqual(0.03);
    // Per-destination thresholds are chosen out of fold with a safety margin under the target.
    const chosen = cv[0]!.destinationThresholds;
    if (chosen) {
      expect(chosen.misrouteRate).toBeLessThanOrEqual(DESTINATION_MAX_MISROUTE);
      for (const v of Object.values(chosen.thresholds)) expect(DESTINATION_THRESHOLD_GRID).toContain(v);
    }
  });

  it('refuses a missing file and an unknown format version, saying what to do', () => {
    expect(() => loadModel(path.join(dir, 'absent.json'))).toThrow(/absent.*aiguillage train/);
    const p = path.join(dir, 'old.json');
    fs.writeFileSync(p, JSON.stringify({ formatVersion: 0 }));
    expect(() => loadModel(p)).toThrow(ModelError);
    expect(() => loadModel(p)).toThrow(/format 0 inconnu/);
    // A model of the previous format (no letter n-grams recorded) must be retrained, not guessed.
    fs.writeFileSync(p, JSON.stringify({ formatVersion: MODEL_FORMAT_VERSION - 1 }));
    expect(() => loadModel(p)).toThrow(/aiguillage train/);
  });
});
