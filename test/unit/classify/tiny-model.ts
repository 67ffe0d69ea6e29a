/** A real (small) model trained in the test from a handful of builder records. */
import { extractFeatures, WORD_FEATURES, type FeatureOptions } from '../../../src/classify/model/features';
import { modelFromFile, type Model } from '../../../src/classify/model/linear';
import { trainModel, type Algorithm, type CorpusDoc } from '../../../src/classify/model/train';
import { AUTO_DESTINATIONS, type Destination } from '../../../src/classify/types';
import { record } from './builders';

export const TINY_CORPUS: Record<Destination, string[]> = {
  legislation: [
    'Détachement de notre salarié en Allemagne, quelle législation applicable ?',
    'Certificat A1 pour un salarié détaché en Espagne pendant 18 mois',
    'Pluriactivité : je travaille en France et en Belgique, quelle législation applicable ?',
    'Formation sur le détachement des travailleurs pour nos agents',
    'Validité du certificat A1 contrôlé par l inspection du travail sur un chantier',
    'Salarié détaché en Italie, prolongation du détachement et législation applicable',
  ],
  prestations: [
    'Ma pension de retraite espagnole et la totalisation des périodes',
    'Remboursement de mes soins programmés avec un formulaire S2 refusé par la caisse',
    'Allocations familiales pour mes enfants résidant au Portugal',
    'Accident du travail en Belgique, indemnités journalières',
    'Allocations chômage après un emploi en Allemagne, formulaire U1',
    'Pension d invalidité et relevé de carrière polonais',
  ],
  linguistique: [
    'Demande de traduction d un jugement de divorce rédigé en arabe',
    'Traduction en français d un relevé de carrière serbe',
    'Devis pour la traduction d un acte de naissance turc',
    'Facture de l agence de traduction pour le lot de mars',
    'Besoin d un interprète pour un rendez-vous avec un assuré ukrainien',
    'Livraison des traductions du lot 4 par le prestataire',
  ],
  pcn: [
    'Remboursement de soins dentaires en Espagne au tarif français, directive soins transfrontaliers',
    'Cure thermale en Allemagne remboursée comme en France ?',
    'Point de contact national : opération de la hanche en Belgique sans autorisation',
    'Standards de qualité des hôpitaux en Roumanie pour un patient français',
    'Trouver un dentiste en Hongrie et être remboursé par la sécurité sociale',
    'Lunettes achetées chez un opticien allemand, remboursement au tarif français',
  ],
  secretariat: [
    'Candidature spontanée pour un poste de juriste, CV joint',
    'Facture de nettoyage des locaux du mois de mars',
    'Merci de me rappeler au sujet de mon dossier',
    'Newsletter : actualités de la protection sociale, se désabonner',
    'Appel d offres pour la maintenance informatique',
    'Demande de droit d accès à mes données personnelles',
  ],
};

export function tinyDocs(features: FeatureOptions = WORD_FEATURES): CorpusDoc[] {
  const classes = [...AUTO_DESTINATIONS];
  return classes.flatMap((d) =>
    TINY_CORPUS[d].map((body) => ({
      features: extractFeatures(record({ subject: '', body }), features).names,
      label: classes.indexOf(d),
      ruleWeights: classes.map(() => 0),
      forced: false,
    })),
  );
}

export function tinyModel(algorithm: Algorithm = 'naive-bayes', features: FeatureOptions = WORD_FEATURES): Model {
  const { file } = trainModel(tinyDocs(features), [...AUTO_DESTINATIONS], {
    corpusHash: 'tiny',
    algorithm,
    folds: 3,
    options: { minDocFreq: 1 },
    features,
  });
  return modelFromFile(file);
}
