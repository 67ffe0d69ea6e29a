/**
 * References quoted in a mail: the sender's file reference ("Vos réf.", "Notre référence",
 * "Our ref", "Az.", "Aktenzeichen", "Rif.", "Ref.ª", "Nr ref", "Kenmerk", "Znak sprawy"…) and
 * EESSI-style case references ("EESSI case 123456", "Case ID: 4567890", "BUC … n° …").
 * A reference must contain a digit (a label followed by a word is prose, not a reference)
 * and must not be NIR-shaped (a NIR is personal data, reported only as a NIR).
 */
import { isValidNir, type NirSpan } from './nir';
import { execAtWordStart, wordStartRegex } from './word-start';

const SENDER_LABELS = [
  String.raw`vos\s+r[ée]f(?:[ée]rences?)?\.?`, String.raw`votre\s+r[ée]f[ée]rence`, String.raw`v\s*/\s*r[ée]f\.?`,
  String.raw`n\s*/\s*r[ée]f\.?`, String.raw`nos\s+r[ée]f(?:[ée]rences?)?\.?`, String.raw`notre\s+r[ée]f[ée]rence`,
  String.raw`r[ée]f[ée]rence`, String.raw`r[ée]f\.?`, String.raw`ref\.?\s*ª`, String.raw`ref\.?`, String.raw`reference`,
  String.raw`your\s+ref(?:erence)?\.?`, String.raw`our\s+ref(?:erence)?\.?`,
  String.raw`az\.`, String.raw`aktenzeichen`, String.raw`ihr\s+zeichen`, String.raw`unser\s+zeichen`, String.raw`gesch[äa]ftszeichen`,
  String.raw`rif\.?`, String.raw`riferimento`, String.raw`vs\.?\s+rif\.?`, String.raw`ns\.?\s+rif\.?`,
  String.raw`referencia`, String.raw`su\s+referencia`, String.raw`nuestra\s+referencia`, String.raw`refer[êe]ncia`,
  String.raw`nr\.?\s+ref\.?`, String.raw`znak\s+sprawy`, String.raw`sygn\.?\s+akt`, String.raw`nasz\s+znak`, String.raw`wasz\s+znak`,
  String.raw`(?:uw|ons)\s+kenmerk`, String.raw`kenmerk`, String.raw`referin[țţt]a`, String.raw`nr\.?\s+de\s+referin[țţt][ăa]`,
];
/**
 * Every label contains one of these (matched with the same flags, so the same case folding): a
 * text without any has no sender reference, and SENDER_REF_RE (a lookbehind and 35 alternatives
 * tried at every position) is not run over it. Measured on the corpus: 4 texts in 5 are ruled
 * out, extractSenderRefs ~12 → ~5 µs per text. Checked at load: each label must contain one of
 * them ('ref' is listed for that check; in the regex, r[ée]f covers it).
 */
const LABEL_WORDS = [String.raw`r[ée]f`, 'ref', 'rif', String.raw`az\.`, 'zeichen', 'znak', 'sygn', 'kenmerk'];
const LABEL_WORD_RE = new RegExp(LABEL_WORDS.filter((w) => w !== 'ref').join('|'), 'iu');
for (const label of SENDER_LABELS) {
  if (!LABEL_WORDS.some((w) => label.includes(w))) throw new Error(`refs.ts: the label ${label} has none of LABEL_WORDS`);
}
/**
 * Label, optional "n°"/"Nr."/"No."/":" then up to three tokens of a reference; it must start a
 * word (no letter or digit just before the label): found by execAtWordStart, not a lookbehind
 * (see word-start.ts; measured on the bench mix's index texts, a full scan: ~6.2 → ~3.4 µs per text).
 * @internal exported for tests (the plain regex is NO_WORD_CHAR_BEFORE + this, flags giu)
 */
export const SENDER_REF_BODY =
  String.raw`(?:${SENDER_LABELS.join('|')})(?![\p{L}])\s*(?:[:#]\s*)?(?:(?:n[°ºo]|nr|no|num[ée]ro)\.?\s*(?:[:#]\s*)?)?` +
  // Captured in a lookahead so that a label inside the tokens ("… Nos réf. : X") is read too.
  String.raw`(?=([\p{L}\p{N}][\p{L}\p{N}/._-]*(?:[ ][\p{L}\p{N}][\p{L}\p{N}/._-]*){0,2}))`;
const SENDER_REF_RE = wordStartRegex(SENDER_REF_BODY, 'giu');
/**
 * EESSI-style case reference, at a word start (execAtWordStart, as SENDER_REF_RE).
 * @internal exported for tests (the plain regex is NO_WORD_CHAR_BEFORE + this, flags giu)
 */
export const CASE_REF_BODY =
  String.raw`(?:EESSI(?:\s+(?:case|cas|dossier|Fall|caso|sprawa)|(?=\s))|RINA|case\s+(?:ID|number|no\.?)|` +
  String.raw`dossier\s+EESSI|num[ée]ro\s+de\s+cas|Fall-?(?:ID|nummer)|caso\s+n\.?|ID\s+(?:du\s+)?cas)` +
  String.raw`\s*(?:(?:n[°º]|nr\.?|no\.?)\s*)?(?:[:#]\s*)?([A-Z]{2}:)?(\d[\d-]{4,}\d)`;
const CASE_REF_RE = wordStartRegex(CASE_REF_BODY, 'giu');

/** t without its trailing run of . _ - / (as t.replace(/[._\-/]+$/, '')), in one backward scan: that
 *  regex tries each position of a long run that does not end the token ("a-----…-x", captured from a
 *  mail), quadratic: 0.4 s for 32,000 dashes, ~16 s at the 200,000 characters a text may hold. */
function stripTrailingPunct(t: string): string {
  let end = t.length;
  for (let c = t.charCodeAt(end - 1); c === 46 || c === 95 || c === 45 || c === 47; c = t.charCodeAt(end - 1)) end--;
  return end === t.length ? t : t.slice(0, end);
}

/** Keeps the leading tokens while they look like parts of one reference (first one with a digit). */
function trimRef(raw: string): string | null {
  const tokens = raw.split(' ');
  let ref = '';
  for (const t of tokens) {
    const tok = stripTrailingPunct(t);
    if (tok === '') break;
    if (ref !== '' && (/\d/.test(ref) && !/^\d/.test(tok))) break;
    ref = ref === '' ? tok : `${ref} ${tok}`;
    if (/\d/.test(ref) && !/^\d/.test(tok) && tok !== t) break;
  }
  if (!/\d/.test(ref) || ref.length < 3 || ref.length > 40) return null;
  if (isValidNir(ref.replace(/[ .-]/g, ''))) return null;
  return ref;
}

/** `nirSpans`: where valid NIRs are; a reference starting inside one is the NIR, not a reference. */
export function extractSenderRefs(text: string, nirSpans: readonly NirSpan[] = []): string[] {
  if (!LABEL_WORD_RE.test(text)) return [];
  const out = new Set<string>();
  SENDER_REF_RE.lastIndex = 0;
  for (let m = execAtWordStart(SENDER_REF_RE, text); m !== null; m = execAtWordStart(SENDER_REF_RE, text)) {
    if (m[0] === '') SENDER_REF_RE.lastIndex++;
    const at = m.index + m[0].length;
    if (nirSpans.some((s) => at >= s.start && at < s.end)) continue;
    const ref = trimRef(m[1]);
    if (ref !== null) out.add(ref);
  }
  return [...out];
}

export function extractCaseRefs(text: string): string[] {
  const out = new Set<string>();
  CASE_REF_RE.lastIndex = 0;
  for (let m = execAtWordStart(CASE_REF_RE, text); m !== null; m = execAtWordStart(CASE_REF_RE, text)) {
    out.add(`${m[1] ?? ''}${m[2]}`);
  }
  return [...out];
}
