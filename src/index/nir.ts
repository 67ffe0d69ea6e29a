/**
 * French social security number (NIR): 13 characters + a 2-digit key, with "2A"/"2B" for
 * Corsica in the department. Only NIRs whose key is right are reported (a wrong key is a typo
 * or another number, and reporting it would spread a wrong identity).
 * Decisions: the first digit may be 1/2 (born in France or registered), 3/4 (temporary,
 * historical) or 7/8 (NIA, temporary numbers for foreign-born persons); month 01-12, or 20-42
 * and 50-99 (used when the month is unknown). Groups may be separated by one space, dot or dash.
 */

/** S YY MM then department+commune (2+3, 3+2 for overseas, or 5), order (3), key (2). */
const NIR_CANDIDATE_RE = new RegExp(
  String.raw`(?<![\p{L}\p{N}])([1-478])[ .-]?(\d{2})[ .-]?(\d{2})[ .-]?` +
    String.raw`((?:\d{2}|2[AaBb])[ .-]?\d{3}|\d{3}[ .-]?\d{2})[ .-]?(\d{3})[ .-]?(\d{2})(?![\p{L}\p{N}])`,
  'gu',
);

function validMonth(mm: number): boolean {
  return (mm >= 1 && mm <= 12) || (mm >= 20 && mm <= 42) || mm >= 50;
}

/** Key of a compact 13-char NIR body: 97 − (number mod 97), Corsica 2A→19, 2B→18 first. */
export function nirKey(body13: string): number {
  const digits = body13.toUpperCase().replace('2A', '19').replace('2B', '18');
  return 97 - (Number(digits) % 97);
}

/** True when a compact 15-char NIR has a valid structure and key. */
export function isValidNir(compact: string): boolean {
  const m = /^([1-478])(\d{2})(\d{2})(\d{2}|2[AB])(\d{6})(\d{2})$/.exec(compact.toUpperCase());
  if (!m || !validMonth(Number(m[3]))) return false;
  // 2A/2B are only department codes: the body must hold no other letter.
  if (/[AB]/.test(m[1] + m[2] + m[3] + m[5])) return false;
  return nirKey(compact.slice(0, 13)) === Number(m[6]);
}

/** All valid NIRs in the text, compact (no separators, upper-case), in order, de-duplicated. */
export function extractNirs(text: string): string[] {
  return [...new Set(extractNirSpans(text).map((s) => s.nir))];
}

export interface NirSpan {
  nir: string;
  start: number;
  end: number;
}

/** Every valid NIR occurrence with its position: SIREN/SIRET must not reuse these digits. */
export function extractNirSpans(text: string): NirSpan[] {
  const out: NirSpan[] = [];
  NIR_CANDIDATE_RE.lastIndex = 0;
  for (let m = NIR_CANDIDATE_RE.exec(text); m !== null; m = NIR_CANDIDATE_RE.exec(text)) {
    const compact = m[0].replace(/[ .-]/g, '').toUpperCase();
    if (!isValidNir(compact)) continue;
    out.push({ nir: compact, start: m.index, end: m.index + m[0].length });
  }
  return out;
}
