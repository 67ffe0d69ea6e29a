/**
 * Coordination forms mentioned in a text: E-forms (E101…E411), portable documents (A1, S1,
 * S2, S3, P1, DA1, U1, U2, U3, also written "PD A1"), SED codes are not forms. The European
 * Health Insurance Card in any of our languages (EHIC, CEAM, TEAM, EKVK, EKUZ, TSE…) → 'EHIC'.
 *
 * False positives, and the rule chosen: a code must stand alone (no letter or digit glued on
 * either side; "A1-Bescheinigung" is fine), and the short codes (A1, S1…) are dropped when the
 * word just before says it is something else: a paper size ("format A1", "A1 paper"), a road
 * ("autoroute A1", "Autobahn A1", "A1 motorway"), or a language level ("niveau A1", "level A1").
 * "PD A1" is reported as 'A1': the portable document and the form are the same thing here.
 */
import { execAtWordStart, wordStartRegex } from './word-start';

const E_FORM_RE = /(?<![\p{L}\p{N}])E[ -]?([1-4]\d{2}|001)(?![\p{L}\p{N}])/gu;
const PD_RE = /(?<![\p{L}\p{N}])(?:PD[ -]?)?(A1|S1|S2|S3|P1|DA1|U1|U2|U3)(?![\p{L}\p{N}])/gu;

/** Words that, right before or after a short code, mean it is not a form. */
const NOT_FORM_BEFORE = new RegExp(
  String.raw`(?:format|papier|paper|size|taille|größe|formato|rozmiar|autoroute|motorway|autobahn|autopista|` +
    String.raw`autostrada|auto-estrada|autoestrada|autostrada|snelweg|autostradă|route|road|highway|` +
    String.raw`niveau|level|sprachniveau|nivel|livello|poziom|nível|nivelul|grade|classe|semestre|semester)` +
    String.raw`\s*[:(]?\s*$`,
  'iu',
);
const NOT_FORM_AFTER = /^\s*(?:paper|size|format|motorway|road|highway|level|niveau)\b/iu;

/**
 * The card's names and acronyms, at a word start: found by execAtWordStart rather than a leading
 * lookbehind (see word-start.ts; measured on the bench mix's index texts: ~1.3 → ~0.7 µs per text).
 * @internal exported for tests (the plain regex is NO_WORD_CHAR_BEFORE + this, flags giu)
 */
export const EHIC_BODY =
  String.raw`(?:EHIC|CEAM|TEAM|EKVK|EKUZ|TSE|CESD|CEASS|GHIC|` +
    String.raw`carte europ[ée]enne d.assurance[ -]maladie|european health insurance card|` +
    String.raw`europ[äa]ische krankenversicherungskarte|tarjeta sanitaria europea|tessera sanitaria europea|` +
    String.raw`cart[ãa]o europeu de seguro de doen[çc]a|europejsk[aą] kart[aęą] ubezpieczenia zdrowotnego|` +
    String.raw`europese ziekteverzekeringskaart|cardul european de asigur[ăa]ri)(?![\p{L}\p{N}])`;
const EHIC_RE = wordStartRegex(EHIC_BODY, 'giu');
/** TEAM/TSE are also ordinary words: only the upper-case acronym counts. */
const AMBIGUOUS_ACRONYMS = new Set(['team', 'tse']);

export function extractForms(text: string): string[] {
  const found = new Set<string>();
  E_FORM_RE.lastIndex = 0;
  for (let m = E_FORM_RE.exec(text); m !== null; m = E_FORM_RE.exec(text)) found.add(`E${m[1]}`);
  PD_RE.lastIndex = 0;
  for (let m = PD_RE.exec(text); m !== null; m = PD_RE.exec(text)) {
    const isPd = m[0].length > m[1].length;
    const before = text.slice(Math.max(0, m.index - 30), m.index);
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 20);
    if (isPd || (!NOT_FORM_BEFORE.test(before) && !NOT_FORM_AFTER.test(after))) found.add(m[1]);
  }
  EHIC_RE.lastIndex = 0;
  for (let m = execAtWordStart(EHIC_RE, text); m !== null; m = execAtWordStart(EHIC_RE, text)) {
    const word = m[0];
    if (AMBIGUOUS_ACRONYMS.has(word.toLowerCase()) && word !== word.toUpperCase()) continue;
    found.add('EHIC');
  }
  return [...found];
}
