import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_FEATURES, extractFeatures } from '../../../src/classify/model/features';
import { loadModel, ModelError, saveModel, scoreFeatures } from '../../../src/classify/model/linear';
import { assignFolds, fitTemperature, trainModel } from '../../../src/classify/model/train';
import { AUTO_DESTINATIONS } from '../../../src/classify/types';
import { record } from './builders';
import { tinyDocs, tinyModel } from './tiny-model';

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
    expect(m.file).toMatchObject({ formatVersion: 1, corpusHash: 'h', corpusSize: 30 });
    expect(m.index.size).toBe(file.vocab.length);
    expect(m.file.temperature).toBeGreaterThan(0);
    expect(m.file.features).toEqual({ prefix: 0, bigrams: false, compound: 0 });
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
  });

  it('refuses a missing file and an unknown format version, saying what to do', () => {
    expect(() => loadModel(path.join(dir, 'absent.json'))).toThrow(/absent.*aiguillage train/);
    const p = path.join(dir, 'old.json');
    fs.writeFileSync(p, JSON.stringify({ formatVersion: 0 }));
    expect(() => loadModel(p)).toThrow(ModelError);
    expect(() => loadModel(p)).toThrow(/format 0 inconnu/);
  });
});
