import { extractForms } from '../../../src/index/forms';

const sorted = (a: string[]): string[] => [...a].sort();

describe('forms', () => {
  it.each([
    ['Je souhaite obtenir le formulaire A1 pour mon salarié', ['A1']],
    ['Bitte senden Sie die A1-Bescheinigung und das Formular E 106', ['A1', 'E106']],
    ['Adjunto el formulario E-121 y el documento portátil S1', ['E121', 'S1']],
    ['PD A1, PD S1 et PD U1 demandés', ['A1', 'S1', 'U1']],
    ['formulari E101, E102, E104, E109, E205, E207, E210', ['E101', 'E102', 'E104', 'E109', 'E205', 'E207', 'E210']],
    ['DA1 pour accident du travail, P1 récapitulatif, U2 et U3 chômage, S2 et S3', ['DA1', 'P1', 'U2', 'U3', 'S2', 'S3']],
    ['S1 2024 : attestation reçue', ['S1']],
  ])('%s', (text, expected) => {
    expect(sorted(extractForms(text))).toEqual(sorted(expected));
  });

  it.each([
    ['EHIC', 'I lost my EHIC in Spain'],
    ['CEAM', 'demande de CEAM pour les vacances'],
    ['carte européenne', "la carte européenne d'assurance maladie de mon fils"],
    ['EKVK', 'Ich brauche eine neue EKVK'],
    ['Krankenversicherungskarte', 'die Europäische Krankenversicherungskarte ist abgelaufen'],
    ['tarjeta', 'la tarjeta sanitaria europea'],
    ['tessera', 'la tessera sanitaria europea'],
    ['TEAM upper-case', 'TEAM expirée'],
  ])('EHIC in any language: %s', (_label, text) => {
    expect(extractForms(text)).toEqual(['EHIC']);
  });

  it.each([
    'imprimez le plan au format A1',
    'an A1 paper poster',
    "bouchon sur l'autoroute A1 ce matin",
    'Stau auf der Autobahn A1',
    'the A1 motorway to Lille',
    'niveau A1 en français',
    'Sprachniveau: A1',
    'our team will answer',
    'bus line S12 and route E1234',
    'the UA1 flight, A12 road, S1x model',
  ])('no form in: %s', (text) => {
    expect(extractForms(text)).toEqual([]);
  });
});
