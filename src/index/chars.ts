/**
 * Character classes the index stage reads text by, worked out once per BMP character with the
 * Unicode regexes (a table, since the same few hundred characters come back in every message).
 */

/** Part of a word: \p{L} or \p{N}. */
export const TOKEN = 1;
/** \p{M}: a combining mark, dropped where accents are stripped. */
export const MARK = 2;
/** Anything else. */
export const OTHER = 3;

const TOKEN_CHAR_RE = /^[\p{L}\p{N}]$/u;
const MARK_RE = /^\p{M}$/u;
/** Class of each BMP character, on first sight; 0: not yet. */
const BMP_CLASS = new Uint8Array(0x10000);

/** TOKEN, MARK or OTHER for a UTF-16 unit of the BMP (a lone surrogate is OTHER). */
export function bmpClass(c: number): number {
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ? TOKEN : OTHER;
  let known = BMP_CLASS[c]!;
  if (known === 0) {
    const ch = String.fromCharCode(c);
    BMP_CLASS[c] = known = TOKEN_CHAR_RE.test(ch) ? TOKEN : MARK_RE.test(ch) ? MARK : OTHER;
  }
  return known;
}

/** Whether a code point (BMP or astral) is \p{L} or \p{N}. */
export function isLetterOrDigit(cp: number): boolean {
  return cp < 0x10000 ? bmpClass(cp) === TOKEN : TOKEN_CHAR_RE.test(String.fromCodePoint(cp));
}

/** The only characters whose lower case depends on context (Σ) or takes two units (İ). */
export const CONTEXTUAL_LOWER_RE = /[\u03a3\u0130]/;
