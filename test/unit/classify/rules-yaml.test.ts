/** One "fires / does not fire" case per shipped rule in config/rules.yaml. */
import path from 'node:path';
import { evaluateRules } from '../../../src/classify/rules/engine';
import { loadRules } from '../../../src/classify/rules/load';
import { buildView } from '../../../src/classify/rules/view';
import { input, type RecordSpec } from './builders';

const RULES = loadRules([path.join(__dirname, '../../../config/rules.yaml')]);

interface Case {
  spec: RecordSpec;
  date?: string;
}

/** `rule` names the rule when one rule has several cases (the key is then only a label). */
const CASES: Record<string, { rule?: string; fires: Case; not: Case }> = {
  EMPTY_MESSAGE: {
    fires: { spec: { subject: 'Envoi de mon iPhone', body: 'Envoyé de mon iPhone' } },
    not: { spec: { subject: 'Question', body: 'Je souhaite connaître mes droits à la retraite après une carrière en Espagne.' } },
  },
  NO_TEXT_LAYER: {
    fires: { spec: { subject: 'Courrier', attachments: [{ name: 'scan.pdf', type: 'application/pdf', textStatus: 'no-text-layer' }], textAvailable: false } },
    not: { spec: { subject: 'Courrier', body: 'Voir pièce jointe', attachments: [{ name: 'lettre.pdf', type: 'application/pdf' }] } },
  },
  OUT_OF_OFFICE: {
    fires: { spec: { subject: 'Abwesenheitsnotiz: Ihre Anfrage', body: 'Ich bin bis zum 12. nicht im Büro.' } },
    not: { spec: { subject: "Absence de réponse de la CPAM à ma demande d'E106" } },
  },
  OUT_OF_OFFICE_PREFIX: {
    rule: 'OUT_OF_OFFICE',
    // « Absence : » put before the original subject by the absent person's mail client.
    fires: { spec: { subject: 'Absence : RE: Dossier retraite – périodes italiennes', body: 'Je suis absent du 4 au 22 août inclus.' } },
    not: { spec: { subject: 'Absence de périodes italiennes dans mon relevé de carrière' } },
  },
  WEBSITE_PROBLEM: {
    fires: { spec: { body: 'Sur votre site, le lien vers la fiche Portugal renvoie une erreur 404.' } },
    not: { spec: { body: "Sur votre site, j'ai lu la fiche Portugal : ma pension portugaise est-elle imposable ?" } },
  },
  NEWSLETTER: {
    fires: { spec: { subject: 'Actualités sociales', body: 'Pour vous désinscrire, cliquez ici. Se désabonner' } },
    not: { spec: { subject: 'Actualités', body: 'Question sur les actualités de la coordination.' } },
  },
  JOB_APPLICATION_SUBJECT: {
    fires: { spec: { subject: 'Candidature spontanée juriste', body: 'Bonjour' } },
    not: { spec: { subject: 'Demande de S1', body: 'Candidature spontanée dans le texte seulement.' } },
  },
  JOB_APPLICATION: {
    fires: { spec: { subject: 'Juriste', body: 'Veuillez trouver mon CV et ma lettre de motivation.' } },
    not: { spec: { subject: 'Candidature', body: 'Je travaille au Luxembourg, quelle législation applicable ?' } },
  },
  TENDER: {
    fires: { spec: { subject: "Question sur l'appel d'offres", body: 'Concernant le DCE du marché de nettoyage.' } },
    not: { spec: { subject: "Appel d'offres traduction", body: "Question sur l'appel d'offres de traduction juridique." } },
  },
  GDPR_REQUEST: {
    fires: { spec: { subject: 'Demande', body: "J'exerce mon droit d'accès au titre du RGPD." } },
    not: { spec: { subject: 'Demande', body: "J'ai besoin d'un formulaire A1." } },
  },
  PRESS: {
    fires: { spec: { subject: 'Presseanfrage: Entsendung', body: 'Ich recherchiere zu Entsendungen.', language: 'de' } },
    not: { spec: { body: 'Je suis salarié détaché en Italie.' } },
  },
  SPAM: {
    fires: { spec: { body: 'Your mailbox is full, verify your account now', language: 'en' } },
    not: { spec: { body: 'Merci de vérifier ma situation.' } },
  },
  CALLBACK_REQUEST: {
    fires: { spec: { body: 'Pourriez-vous me rappeler au 06 00 00 00 00 ?' } },
    not: { spec: { body: 'Je rappelle que ma pension a été versée.' } },
  },
  CALLBACK_REQUEST_OTHER_WORDS: {
    rule: 'CALLBACK_REQUEST',
    fires: { spec: { body: 'Potreste farci richiamare da un collega che parla italiano? Numero +39 035 612 4478.', language: 'it' } },
    // "rappeler" also means "remind": asking to be reminded of a rule is not a callback request.
    not: { spec: { body: 'Pourriez-vous nous rappeler la règle applicable aux travailleurs frontaliers ?' } },
  },
  GENERIC_SUPPLIER_INVOICE: {
    fires: { spec: { subject: 'Facture mars 2024', body: 'Nettoyage des locaux, échéance de paiement au 30.', kind: 'other' } },
    not: { spec: { subject: 'Facture mars 2024', body: 'Traduction de 12 pages vers le polonais.', kind: 'translation-provider' } },
  },
  OTHER_CLEISS_UNIT: {
    fires: { spec: { body: "Mon accès EESSI est bloqué, merci de transmettre au service informatique." } },
    not: { spec: { body: 'Quelle est la législation applicable ?' } },
  },
  STATISTICS_REQUEST: {
    fires: { spec: { body: 'Pourriez-vous nous transmettre des statistiques sur le nombre de détachements ?' } },
    not: { spec: { body: 'Combien de temps dure un détachement ?' } },
  },
  OUT_OF_OFFICE_BODY: {
    fires: { spec: { subject: 'RE: dossier 2231', body: "Je suis absente jusqu'au 12 août. En cas d'urgence, contactez le standard." } },
    not: { spec: { subject: 'Absence', body: "Mon employeur conteste mes jours d'absence pendant mon détachement." } },
  },
  DIALOGUE_PROCEDURE_DECISION_A1: {
    fires: { spec: { body: 'Wij vragen een dialoogprocedure volgens besluit A1 over de kinderbijslag.', language: 'nl' } },
    not: { spec: { body: 'Notre salarié a besoin de son certificat A1.', forms: ['A1'] } },
  },
  PCN_QUALITY_PROVIDER: {
    fires: { spec: { body: 'Comment vérifier les normes de qualité de cette clinique à Prague ?' } },
    not: { spec: { body: 'Comment obtenir la carte européenne pour mes vacances ?' } },
  },
  DEROGATION_INDIVIDUAL_AFTER_2022_07: {
    fires: { spec: { body: 'Je demande une dérogation article 16 pour mon détachement en Allemagne.' }, date: '2022-07-01' },
    not: { spec: { body: 'Je demande une dérogation article 16 pour mon détachement en Allemagne.' }, date: '2022-06-30' },
  },
  DEROGATION_INDIVIDUAL_AFTER_2022_07_NOT_WORK: {
    rule: 'DEROGATION_INDIVIDUAL_AFTER_2022_07',
    fires: { spec: { body: 'Demande de dérogation art. 16 : notre salariée détachée en Pologne au-delà de 24 mois.' }, date: '2023-05-01' },
    // Misleading subject: "dérogation" for dialysis during holidays is not about applicable law.
    not: { spec: { subject: 'Demande de dérogation', body: 'Je suis dialysée et je pars trois semaines à Málaga, la carte européenne suffit-elle ?' }, date: '2023-05-01' },
  },
  DEROGATION_INDIVIDUAL_AFTER_2022_07_GROUP: {
    rule: 'DEROGATION_INDIVIDUAL_AFTER_2022_07',
    fires: { spec: { body: 'Cerere acord art. 16 pentru un angajat detasat la Lyon.', language: 'ro' }, date: '2023-08-16' },
    // A group of employees (a number before a job noun, in Romanian here) is collective.
    not: { spec: { body: 'Cerere acord art. 16 - 7 programatori detasati la Lyon.', language: 'ro', kind: 'employer' }, date: '2023-08-16' },
  },
  INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07: {
    fires: { spec: { body: "Il mio certificato scade a fine mese: vorrei restare assicurato in Italia per altri due anni.", language: 'it' }, date: '2024-03-01' },
    // A posting question without an end or an extension in sight is information on applicable law.
    not: { spec: { body: "Pendant mon détachement de six mois, vais-je rester assuré en France ?" }, date: '2024-03-01' },
  },
  INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07_BEFORE: {
    rule: 'INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07',
    fires: { spec: { body: 'My A1 expires in May and I would like to remain insured in Ireland for two more years.', language: 'en' }, date: '2022-07-01' },
    not: { spec: { body: 'My A1 expires in May and I would like to remain insured in Ireland for two more years.', language: 'en' }, date: '2022-06-30' },
  },
  INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07_CONTRIBUTIONS: {
    rule: 'INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07',
    // The same request put as contributions: keep paying at home, not into the French system.
    fires: { spec: { body: 'Mijn A1 loopt af, maar ik zou graag blijven bijdragen aan het Belgische stelsel.', language: 'nl' }, date: '2024-03-01' },
    // An employer's question about its staff keeping US contributions is not an individual request.
    not: { spec: { body: 'Our payroll provider says three of our staff can keep paying Social Security in the US; can that be extended?', language: 'en', kind: 'employer' }, date: '2024-03-01' },
  },
  INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07_GROUP: {
    rule: 'INDIVIDUAL_EXTENSION_REQUEST_AFTER_2022_07',
    fires: { spec: { body: 'Mein Vertrag läuft aus, ich möchte weiterhin versichert in Deutschland sein und versichert bleiben.', language: 'de' }, date: '2024-03-01' },
    // An employer for a group (a number word before a trade) is a collective request: legislation.
    not: { spec: { body: 'Die Bescheinigung läuft aus: unsere acht Monteure sollen in Deutschland versichert bleiben.', language: 'de', kind: 'employer' }, date: '2024-03-01' },
  },
  DEROGATION_COLLECTIVE_PROVISIONAL: {
    rule: 'DEROGATION_COLLECTIVE',
    fires: { spec: { body: 'Accordo ai sensi dell\'art. 16 per dodici ingegneri in Normandia.', language: 'it', kind: 'employer' } },
    // Article 16 of the implementing regulation (provisional determination) is not a derogation.
    not: { spec: { body: 'Training for our staff on the provisional determination under Article 16 of Regulation 987/2009 for all employees.', language: 'en' } },
  },
  DEROGATION_COLLECTIVE: {
    fires: { spec: { body: 'Demande de dérogation pour 12 salariés envoyés en Espagne.', kind: 'employer' } },
    not: { spec: { body: 'Demande de dérogation pour mon détachement.' } },
  },
  DEROGATION_BEFORE_2022_07: {
    fires: { spec: { body: 'Demande de dérogation pour mon détachement.' }, date: '2022-03-15' },
    not: { spec: { body: 'Demande de dérogation pour mon détachement.' }, date: '2023-03-15' },
  },
  POSTING_FORMS: {
    fires: { spec: { body: 'Certificat A1 joint', forms: ['A1'] } },
    not: { spec: { body: 'Formulaire S1 joint', forms: ['S1'] } },
  },
  POSTING_TERMS: {
    fires: { spec: { body: 'Wir möchten einen Mitarbeiter entsandt nach Frankreich', language: 'de' } },
    not: { spec: { body: 'Question sur ma retraite.' } },
  },
  ANTI_FRAUD_PARTNER: {
    fires: { spec: { body: "L'inspection du travail conteste la validité du certificat A1 présenté sur le chantier." } },
    not: { spec: { body: "L'inspection du travail nous a rendu visite au sujet de l'hygiène." } },
  },
  BENEFIT_FORMS: {
    fires: { spec: { body: 'Mon formulaire S2 a été refusé.', forms: ['S2'] } },
    not: { spec: { body: "J'ai un S2 mais je veux passer par la directive 2011/24/UE.", forms: ['S2'] } },
  },
  BENEFIT_TERMS: {
    fires: { spec: { body: 'Comment se fait la totalisation des périodes pour ma retraite ?' } },
    not: { spec: { body: 'Comment obtenir un certificat A1 ?' } },
  },
  PCN_DIRECTIVE: {
    fires: { spec: { body: 'Puis-je être remboursé au titre de la directive 2011/24/UE ?' } },
    not: { spec: { body: 'Puis-je être remboursé de mes soins ?' } },
  },
  PCN_CONTACT_POINT_SENDER: {
    fires: { spec: { body: 'Dear colleagues', kind: 'contact-point', language: 'en' } },
    not: { spec: { body: 'Dear colleagues', kind: 'foreign-institution', language: 'en' } },
  },
  PCN_TARIFF_REIMBURSEMENT: {
    fires: { spec: { body: 'Serai-je remboursé sur la base du tarif français pour une cure en Allemagne ?' } },
    not: { spec: { body: "J'ai obtenu une autorisation préalable (S2) pour me faire opérer.", forms: ['S2'] } },
  },
  TRANSLATION_SUBJECT: {
    fires: { spec: { subject: 'Bitte um Übersetzung', language: 'de' } },
    not: { spec: { subject: 'Frage zur Rente', language: 'de' } },
  },
  TRANSLATION_BODY: {
    fires: { spec: { body: 'Merci de traduire le jugement ci-joint.' } },
    not: { spec: { body: 'Merci de juger ma demande.' } },
  },
  TRANSLATION_PROVIDER: {
    fires: { spec: { body: 'Livraison du lot 4', kind: 'translation-provider' } },
    not: { spec: { body: 'Livraison du lot 4', kind: 'other' } },
  },
  TRANSLATION_PROVIDER_SENDER_NAME: {
    rule: 'TRANSLATION_PROVIDER',
    // Providers name themselves after the trade: a language service's address is enough.
    fires: { spec: { body: 'Neue Ansprechpartnerin ab 1. Mai', from: 'info@sprachdienst-keller.de', kind: 'other' } },
    not: { spec: { body: 'Neue Ansprechpartnerin ab 1. Mai', from: 'info@keller-bau.de', kind: 'other' } },
  },
  FOREIGN_LANGUAGE_NOT_A_TRANSLATION_REQUEST: {
    fires: { spec: { body: 'Frage zur Anwendung der Verordnung 883/2004 bei Renten', language: 'de' } },
    not: { spec: { body: 'Bitte um Übersetzung des beigefügten Bescheids', language: 'de' } },
  },
  TRANSLATION_DISCLAIMED: {
    fires: { spec: { subject: 'Richiesta traduzione', body: "Scusate l'oggetto, non si tratta di una traduzione: mi serve il modulo U1.", language: 'it' } },
    not: { spec: { subject: 'Richiesta traduzione', body: 'Vi chiediamo la traduzione del verbale allegato.', language: 'it' } },
  },
  LEGAL_QUESTION_NEEDS_TRANSLATION: {
    fires: { spec: { body: 'Quelle législation applicable ? Le contrat allemand est à traduire.' } },
    not: { spec: { body: 'Quelle législation applicable pour ce salarié ?' } },
  },
};

function fired(c: Case): string[] {
  const outcome = evaluateRules(RULES, buildView(input(c.spec, c.date ?? '2024-03-01')));
  return [...outcome.fired, ...outcome.shadow].map((f) => f.rule.name);
}

describe('config/rules.yaml', () => {
  it('has a fires/does-not-fire case for every rule', () => {
    expect(RULES.rules.map((r) => r.name).sort()).toEqual(Object.keys(CASES).filter((k) => !CASES[k]!.rule).sort());
  });

  for (const [key, c] of Object.entries(CASES)) {
    const name = c.rule ?? key;
    it(`${key} fires`, () => expect(fired(c.fires)).toContain(name));
    it(`${key} does not fire`, () => expect(fired(c.not)).not.toContain(name));
  }
});
