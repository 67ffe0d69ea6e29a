/** The shipped model and rules load together and route unambiguous messages. */
import path from 'node:path';
import { createClassifier } from '../../../src/classify/decide';
import { loadModel } from '../../../src/classify/model/linear';
import { loadRules } from '../../../src/classify/rules/load';
import { AUTO_DESTINATIONS } from '../../../src/classify/types';
import { input } from './builders';

const root = path.join(__dirname, '../../..');
const model = loadModel(path.join(root, 'config/model/model.json'));
const classifier = createClassifier({ rules: loadRules([path.join(root, 'config/rules.yaml')]), model, threshold: 0.6, reviewMargin: 0.15 });

describe('shipped model + rules', () => {
  it('covers the five destinations and was calibrated', () => {
    expect([...model.classes].sort()).toEqual([...AUTO_DESTINATIONS].sort());
    expect(model.file.temperature).toBeGreaterThan(0);
    expect(model.file.vocab.length).toBeGreaterThan(500);
  });

  it.each([
    ['linguistique', { subject: 'Demande de traduction', body: "Merci de traduire en français le jugement polonais ci-joint (4 pages) pour l'instruction du dossier.", kind: 'french-institution' as const }],
    ['pcn', { subject: 'Soins dentaires en Espagne', body: 'Je voudrais me faire poser un implant à Barcelone et être remboursée sur la base du tarif français au titre de la directive 2011/24/UE.' }],
    ['prestations', { subject: 'Pension de retraite', body: "J'ai travaillé 12 ans en Allemagne et 25 ans en France. Comment se fait la totalisation des périodes pour ma pension de retraite ?", forms: [] }],
    ['legislation', { subject: 'Détachement au Portugal', body: 'Notre société envoie un salarié en détachement à Lisbonne pendant 18 mois. Quelle législation applicable et comment obtenir le certificat A1 ?', kind: 'employer' as const, forms: ['A1'] }],
  ])('routes a clear %s message', (dest, spec) => {
    const d = classifier.classify(input(spec));
    expect(d).toMatchObject({ destination: dest, status: 'routed' });
    expect(d.reasons.some((r) => r.kind === 'model')).toBe(true);
  });
});
