/**
 * The language-independent signals of config/rules.yaml, checked in the nine languages the
 * centre receives: each sentence is written from the destinations' definitions.
 */
import path from 'node:path';
import { evaluateRules } from '../../../src/classify/rules/engine';
import { loadRules } from '../../../src/classify/rules/load';
import { buildView } from '../../../src/classify/rules/view';
import { input, type RecordSpec } from './builders';

const RULES = loadRules([path.join(__dirname, '../../../config/rules.yaml')]);

function fired(spec: RecordSpec, date = '2024-03-01'): string[] {
  return evaluateRules(RULES, buildView(input(spec, date))).fired.map((f) => f.rule.name);
}

describe('cross-border healthcare directive, in nine languages', () => {
  it.each([
    ['fr', 'Je souhaite être remboursée au titre de la directive 2011/24/UE pour une opération en Espagne.'],
    ['de', 'Gilt die Patientenmobilitätsrichtlinie auch für eine Reha in Frankreich?'],
    ['en', 'Does the cross-border healthcare directive cover my dental care in Spain?'],
    ['es', 'Según la directiva de asistencia sanitaria transfronteriza, ¿me reembolsan la operación?'],
    ['it', "L'ASL dice che possiamo chiedere il rimborso con la direttiva europea."],
    ['nl', 'Valt mijn heupoperatie onder de richtlijn grensoverschrijdende zorg?'],
    ['pt', 'A diretiva 2011/24 aplica-se a uma cirurgia em Lyon?'],
    ['pl', 'Czy CPAM zwróci część kosztów na podstawie dyrektywy?'],
    ['ro', 'Pot obține rambursarea conform directivei pentru tratamentul din Paris?'],
  ])('%s: PCN_DIRECTIVE fires', (language, body) => {
    expect(fired({ body, language })).toContain('PCN_DIRECTIVE');
  });

  it('does not fire on a benefits question under the regulation', () => {
    const f = fired({ body: 'Mon formulaire S2 a été accepté, quelle caisse rembourse les soins programmés ?', forms: ['S2'] });
    expect(f).not.toContain('PCN_DIRECTIVE');
    expect(f).toContain('BENEFIT_FORMS');
  });
});

describe('translation requests, in nine languages', () => {
  it.each([
    ['fr', 'Merci de faire traduire ce jugement par un traducteur assermenté.'],
    ['de', 'Wir bitten um die Übersetzung des beigefügten Bescheids.'],
    ['de', 'Angebot für Konsekutivdolmetschen bei der Gemischten Kommission.'],
    ['en', 'Could you arrange a certified translation of the attached decision?'],
    ['es', 'Necesitamos la traducción jurada de este certificado.'],
    ['it', 'Vi chiediamo la traduzione del verbale allegato.'],
    ['nl', 'Kunt u zorgen voor een vertaling van deze beslissing?'],
    ['pt', 'Precisamos da tradução do documento em anexo.'],
    ['pl', 'Prośba o tłumaczenie załączonej decyzji ZUS.'],
    ['ro', 'Vă rugăm să asigurați traducerea documentului atașat.'],
  ])('%s: TRANSLATION_BODY fires', (language, body) => {
    expect(fired({ body, language })).toContain('TRANSLATION_BODY');
  });

  it('a legal question in German is not a translation request (the topic decides)', () => {
    const f = fired({ body: 'Welche Rechtsvorschriften gelten für einen entsandten Arbeitnehmer in Frankreich?', language: 'de' });
    expect(f).not.toContain('TRANSLATION_BODY');
    expect(f).toEqual(expect.arrayContaining(['POSTING_TERMS', 'FOREIGN_LANGUAGE_NOT_A_TRANSLATION_REQUEST']));
  });

  it('an agency that names itself after the trade is a translation provider, whatever it writes', () => {
    expect(fired({ body: 'Files received, delivery Thursday as agreed.', from: 'olga@praguelingua.cz', language: 'en', kind: 'employer' })).toContain('TRANSLATION_PROVIDER');
    expect(fired({ body: 'Files received, delivery Thursday as agreed.', from: 'olga@prague-logistics.cz', language: 'en', kind: 'employer' })).not.toContain('TRANSLATION_PROVIDER');
  });
});

describe('out-of-office replies, in nine languages', () => {
  it.each([
    ['fr', "Réponse automatique : absente jusqu'au 3 mars"],
    ['de', 'Abwesenheitsnotiz: Ihre Anfrage'],
    ['en', 'Automatic reply: pension query'],
    ['es', 'Respuesta automática: consulta'],
    ['it', 'Risposta automatica: fuori ufficio'],
    ['nl', 'Automatisch antwoord: vraag'],
    ['pt', 'Resposta automática: pedido'],
    ['pl', 'Automatyczna odpowiedź: zapytanie'],
    ['ro', 'Răspuns automat: cerere'],
  ])('%s: OUT_OF_OFFICE forces the secretariat', (language, subject) => {
    expect(fired({ subject, body: 'Texte de la réponse automatique.', language })).toContain('OUT_OF_OFFICE');
  });

  it('a sick-leave question mentioning an absence is not an auto-reply', () => {
    expect(fired({ subject: 'Nieobecność w pracy - zasiłek chorobowy', body: 'Czy mam prawo do zasiłku we Francji?', language: 'pl' })).not.toContain('OUT_OF_OFFICE');
  });
});

describe('secretariat signals', () => {
  it.each([
    ['PRESS', { body: 'Przygotowuję reportaż o pracownikach delegowanych i chciałabym przeprowadzić wywiad.', language: 'pl' }],
    ['NEWSLETTER', { body: 'Wilt u deze nieuwsbrief niet langer ontvangen? Klik hier om u af te melden.', language: 'nl' }],
    ['GDPR_REQUEST', { body: 'Na podstawie RODO proszę o usunięcie moich danych.', language: 'pl' }],
    ['JOB_APPLICATION', { body: 'Trimit CV-ul meu și scrisoare de intenție pentru postul de jurist.', language: 'ro' }],
    ['TENDER', { body: "Domanda sul bando di gara per la manutenzione dell'edificio.", language: 'it' }],
    ['STATISTICS_REQUEST', { body: 'Heeft u statistieken over het aantal gedetacheerde werknemers?', language: 'nl' }],
  ])('%s fires', (rule, spec) => {
    expect(fired(spec)).toContain(rule);
  });

  it('an individual derogation request after 1 July 2022 goes to the secretariat, a collective one does not', () => {
    const body = 'Richiesta di deroga art. 16 per il distacco di un lavoratore oltre 24 mesi.';
    expect(fired({ body, language: 'it' }, '2023-02-01')).toContain('DEROGATION_INDIVIDUAL_AFTER_2022_07');
    expect(fired({ body, language: 'it' }, '2022-06-30')).toContain('DEROGATION_BEFORE_2022_07');
    const group = 'Richiesta di deroga art. 16 per il distacco di 11 tecnici oltre 24 mesi.';
    expect(fired({ body: group, language: 'it' }, '2023-02-01')).toEqual(expect.arrayContaining(['DEROGATION_COLLECTIVE']));
    expect(fired({ body: group, language: 'it' }, '2023-02-01')).not.toContain('DEROGATION_INDIVIDUAL_AFTER_2022_07');
  });
});

describe('evidence wording', () => {
  it('quotes the matched words as the sender wrote them, accents included', () => {
    const outcome = evaluateRules(RULES, buildView(input({ subject: 'Télétravail en Belgique', body: 'Mon salarié fait deux jours de télétravail.' })));
    const posting = outcome.fired.find((f) => f.rule.name === 'POSTING_TERMS')!;
    expect(posting.evidence.join(' ')).toMatch(/«\s*télétravail\s*»/i);
  });
});
