import { createClassifier } from '../../../src/classify/decide';
import { loadRulesFromText } from '../../../src/classify/rules/load';
import type { Decision } from '../../../src/classify/types';
import { WORD_FEATURES } from '../../../src/classify/model/features';
import { input } from './builders';
import { tinyModel } from './tiny-model';

const RULES = loadRulesFromText(`
rules:
  - name: OUT_OF_OFFICE
    description: Réponse automatique d'absence
    group: secretariat
    when: { subject: { keywords: [out of office, réponse automatique] } }
    effect: { force: secretariat, confidence: 0.97 }
  - name: DEROGATION_INDIVIDUAL_AFTER_2022_07
    description: Demande individuelle de dérogation après le 1er juillet 2022 — l'Urssaf de l'employeur (ou la MSA) la traite
    group: derogation
    when:
      received: { from: "2022-07-01" }
      text: { keywords: [dérogation] }
      not: { text: { keywords: [collective] } }
    effect: { force: secretariat, confidence: 0.9, tags: [redirection-urssaf] }
  - name: DEROGATION_BEFORE
    description: Dérogation avant le 1er juillet 2022
    group: derogation
    when:
      received: { until: "2022-07-01" }
      text: { keywords: [dérogation] }
    effect: { weight: { legislation: 4 } }
  - name: SCANNED
    description: Texte non disponible
    group: secretariat
    when: { textAvailable: false, hasAttachments: true }
    effect: { review: true }
  - name: NEEDS_TRANSLATION
    description: Document à traduire pour répondre
    group: linguistique
    when: { text: { keywords: [à traduire] } }
    effect: { copies: [linguistique], tags: [traduction-requise] }
  - name: TRY_PCN_FOR_CURES
    description: Essai — les cures thermales au point de contact
    group: pcn
    shadow: true
    when: { text: { keywords: [cure thermale] } }
    effect: { force: pcn }
`);

const model = tinyModel();
const classifier = createClassifier({ rules: RULES, model, threshold: 0.5, reviewMargin: 0.05 });

function reasonsOf(d: Decision, kind: string) {
  return d.reasons.filter((r) => r.kind === kind);
}

describe('createClassifier', () => {
  it('routes a clear message with a calibrated confidence and explains it in French', () => {
    const d = classifier.classify(input({ subject: 'Traduction', body: 'Demande de traduction d un jugement rédigé en arabe' }));
    expect(d.suggestions[0]!.destination).toBe('linguistique');
    expect(d.confidence).toBeGreaterThan(0);
    expect(d.confidence).toBeLessThanOrEqual(1);
    const m = reasonsOf(d, 'model')[0]!;
    expect(m.text).toMatch(/Services linguistiques/);
    expect(m.features!.length).toBeGreaterThan(0);
    expect(m.features).toContain('traduction');
    expect(reasonsOf(d, 'info').some((r) => /Deuxième choix/.test(r.text))).toBe(true);
    expect(d.suggestions.length).toBeGreaterThanOrEqual(2);
  });

  it('with letter n-grams, the explanation names words of the message, never an n-gram', () => {
    const grams = { ...WORD_FEATURES, charMin: 4, charMax: 5, charWeight: 0.5 };
    const withGrams = createClassifier({ rules: RULES, model: tinyModel('logistic-regression', grams), threshold: 0.5, reviewMargin: 0.05 });
    const body = 'Nos traductrices livreront le jugement traduit';
    const d = withGrams.classify(input({ subject: 'Livraison', body }));
    expect(d.suggestions[0]!.destination).toBe('linguistique');
    const m = reasonsOf(d, 'model')[0]!;
    expect(m.features!.length).toBeGreaterThan(0);
    const words = `livraison ${body}`.toLowerCase().split(/\s+/);
    for (const w of m.features!) {
      expect(w).not.toMatch(/^g:|_/);
      expect(words).toContain(w);
    }
    expect(new Set(m.features).size).toBe(m.features!.length);
  });

  it('individual derogation: secretariat (Urssaf) after 1 July 2022, legislation weight before', () => {
    const spec = { body: 'Je demande une dérogation pour mon détachement en Allemagne, quelle législation applicable' };
    const after = classifier.classify(input(spec, '2022-07-01'));
    expect(after).toMatchObject({ destination: 'secretariat', status: 'routed', confidence: 0.9 });
    expect(after.tags).toContain('redirection-urssaf');
    expect(reasonsOf(after, 'rule')[0]!.text).toMatch(/Urssaf/);
    const before = classifier.classify(input(spec, '2022-06-30'));
    expect(before.suggestions[0]!.destination).toBe('legislation');
    expect(reasonsOf(before, 'rule').map((r) => r.rule)).toEqual(['DEROGATION_BEFORE']);
  });

  it('a forcing rule routes with the rule confidence', () => {
    const d = classifier.classify(input({ subject: 'Out of office', body: 'I am away, pension questions to my colleague', language: 'en' }));
    expect(d).toMatchObject({ destination: 'secretariat', status: 'routed', confidence: 0.97 });
    expect(d.reasons[0]).toMatchObject({ kind: 'rule', rule: 'OUT_OF_OFFICE' });
  });

  it('a reply follows its thread, even against the model', () => {
    const spec = { subject: 'RE: votre demande', body: 'Ma pension de retraite espagnole et la totalisation', inReplyTo: 'orig@x' };
    const free = classifier.classify(input(spec));
    expect(free.suggestions[0]!.destination).toBe('prestations');
    const d = classifier.classify(input(spec, '2024-01-10', 'linguistique'));
    expect(d).toMatchObject({ destination: 'linguistique', status: 'routed' });
    expect(reasonsOf(d, 'thread')).toHaveLength(1);
  });

  it('a forcing rule wins over the thread', () => {
    const d = classifier.classify(input({ subject: 'Réponse automatique', body: 'absent' }, '2024-01-10', 'pcn'));
    expect(d.destination).toBe('secretariat');
    expect(reasonsOf(d, 'thread')).toHaveLength(0);
  });

  it('a shadow rule is recorded but does not change the decision', () => {
    const spec = { body: 'Ma pension de retraite espagnole et la totalisation des périodes, cure thermale' };
    const d = classifier.classify(input(spec));
    const s = reasonsOf(d, 'shadow');
    expect(s).toHaveLength(1);
    expect(s[0]!.text).toMatch(/aurait orienté vers « Point de contact/);
    const withoutShadow = createClassifier({ rules: { ...RULES, rules: RULES.rules.filter((r) => !r.shadow) }, model, threshold: 0.5, reviewMargin: 0.05 });
    const d2 = withoutShadow.classify(input(spec));
    expect(d.destination).toBe(d2.destination);
    expect(d.confidence).toBe(d2.confidence);
  });

  it('no text available: to-review with "texte non disponible"', () => {
    const d = classifier.classify(input({ subject: '', attachments: [{ name: 'scan.pdf', type: 'application/pdf', textStatus: 'no-text-layer' }], textAvailable: false }));
    expect(d).toMatchObject({ destination: 'secretariat', status: 'to-review' });
    expect(d.reasons.some((r) => /exte non disponible/.test(r.text))).toBe(true);
    expect(d.suggestions.length).toBeGreaterThanOrEqual(2);
  });

  it('below the threshold: secretariat, to-review, two suggestions', () => {
    const strict = createClassifier({ rules: RULES, model, threshold: 0.99, reviewMargin: 0 });
    const d = strict.classify(input({ body: 'Question générale sans mot marquant' }));
    expect(d).toMatchObject({ destination: 'secretariat', status: 'to-review' });
    expect(reasonsOf(d, 'threshold')).toHaveLength(1);
    expect(d.suggestions.length).toBeGreaterThanOrEqual(2);
  });

  it('adds a copy to linguistique when a legal answer needs a translation', () => {
    const d = classifier.classify(input({ body: 'Certificat A1 de notre salarié détaché, contrat allemand à traduire' }));
    expect(d.copies).toEqual(d.destination === 'linguistique' ? [] : ['linguistique']);
    expect(d.tags).toContain('traduction-requise');
  });

  it('a per-destination threshold routes what the global one sends to review, and says which applied', () => {
    const msg = input({ body: 'Question générale sans mot marquant' });
    const best = createClassifier({ rules: RULES, model, threshold: 0.99, reviewMargin: 0 }).classify(msg).suggestions[0]!;
    const lower = Math.max(0.01, best.score - 0.01);
    const perDest = createClassifier({ rules: RULES, model, threshold: 0.99, reviewMargin: 0, destinationThresholds: { [best.destination]: lower } });
    const d = perDest.classify(msg);
    expect(d).toMatchObject({ destination: best.destination, status: 'routed' });
    expect(d.reasons.some((r) => r.text.includes(`seuil pour ${best.destination} : ${lower.toFixed(2)} (configuré)`))).toBe(true);
    // Another destination's threshold does not apply to this one.
    const other = best.destination === 'pcn' ? 'linguistique' : 'pcn';
    const elsewhere = createClassifier({ rules: RULES, model, threshold: 0.99, reviewMargin: 0, destinationThresholds: { [other]: 0.01 } }).classify(msg);
    expect(elsewhere.status).toBe('to-review');
    expect(reasonsOf(elsewhere, 'threshold')[0]!.text).toContain(`seuil pour ${best.destination} : 0.99 (configuré)`);
  });

  it('applies the model file recommendation when the configuration gives none, and `{}` switches it off', () => {
    const msg = input({ body: 'Question générale sans mot marquant' });
    const best = createClassifier({ rules: RULES, model, threshold: 0.99, reviewMargin: 0 }).classify(msg).suggestions[0]!;
    const lower = Math.max(0.01, best.score - 0.01);
    const recommending = { ...model, file: { ...model.file, recommended: { threshold: 0.8, reviewMargin: 0, coverage: 1, misrouteRate: 0, destinationThresholds: { [best.destination]: lower } } } };
    const d = createClassifier({ rules: RULES, model: recommending, threshold: 0.99, reviewMargin: 0 }).classify(msg);
    expect(d.status).toBe('routed');
    expect(d.reasons.some((r) => /recommandé par le modèle/.test(r.text))).toBe(true);
    const off = createClassifier({ rules: RULES, model: recommending, threshold: 0.99, reviewMargin: 0, destinationThresholds: {} }).classify(msg);
    expect(off.status).toBe('to-review');
  });

  it('refuses a per-destination threshold for an unknown destination or outside (0, 1)', () => {
    expect(() => createClassifier({ rules: RULES, model, destinationThresholds: { pcn: 1.2 } })).toThrow(/destinationThresholds\.pcn/);
    expect(() => createClassifier({ rules: RULES, model, destinationThresholds: { dsi: 0.5 } as never })).toThrow(/dsi/);
  });

  it('refuses thresholds outside [0, 1]', () => {
    expect(() => createClassifier({ rules: RULES, model, threshold: 1.5 })).toThrow(/threshold/);
  });
});
