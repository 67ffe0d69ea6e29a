/**
 * Regexes that must match at the start of a word: what `(?<![\p{L}\p{N}])<body>` (flag u) finds,
 * found as matches of `<body>` whose preceding code point is then checked here.
 *
 * Why: irregexp cannot scan ahead for the body's first characters when the pattern starts with a
 * lookbehind, so it runs the lookbehind (a Unicode class, read backwards) at every position of the
 * text before trying the body; case-insensitive (iu) bodies were the worst. Measured on the bench
 * mix's index texts, per text: the case-reference regex ~3.6 → ~0.7 µs, the EHIC regex ~1.3 →
 * ~0.7 µs.
 *
 * Same result: the body's first match at or after lastIndex is at the leftmost position where the
 * body matches, so if nothing glued before it, it is also the leftmost position where lookbehind
 * and body both match, and the same match (a lookbehind that holds does not change how the body
 * matches). Otherwise the search restarts one code point further, which is where the regex with
 * the lookbehind would have gone on looking. test/unit/index/word-start.test.ts compares the two.
 */
import { isLetterOrDigit } from './chars';

/**
 * True when the code point that ends just before `at` is \p{L} or \p{N}, read as a u-flag
 * lookbehind reads it: a surrogate pair as one code point, a lone surrogate as itself (neither).
 */
export function wordCharBefore(text: string, at: number): boolean {
  if (at <= 0) return false;
  const c = text.charCodeAt(at - 1);
  if (c >= 0xdc00 && c <= 0xdfff && at >= 2) {
    const lead = text.charCodeAt(at - 2);
    if (lead >= 0xd800 && lead <= 0xdbff) return isLetterOrDigit((lead - 0xd800) * 0x400 + (c - 0xdc00) + 0x10000);
  }
  return isLetterOrDigit(c);
}

/** The index one code point after `at` (a u-flag regex never starts inside a surrogate pair). */
function nextCodePoint(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c >= 0xd800 && c <= 0xdbff && at + 1 < text.length) {
    const low = text.charCodeAt(at + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return at + 2;
  }
  return at + 1;
}

/** The lookbehind that wordStartRegex leaves out, for the tests' plain regexes. */
export const NO_WORD_CHAR_BEFORE = String.raw`(?<![\p{L}\p{N}])`;

/** `body` compiled for execAtWordStart: global, with `flags` (which must include u). */
export function wordStartRegex(body: string, flags: string): RegExp {
  if (!flags.includes('u')) throw new Error('wordStartRegex: the u flag is needed ([\\p{L}\\p{N}] is read by code point)');
  return new RegExp(body, flags.includes('g') ? flags : `${flags}g`);
}

/**
 * Next match of `re` (from wordStartRegex) from re.lastIndex that has no letter or digit just
 * before it: the match, lastIndex included, that `${NO_WORD_CHAR_BEFORE}${body}` would give.
 */
export function execAtWordStart(re: RegExp, text: string): RegExpExecArray | null {
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (!wordCharBefore(text, m.index)) return m;
    re.lastIndex = nextCodePoint(text, m.index);
  }
  return null;
}

/** Whether `re` (from wordStartRegex) matches anywhere in text at a word start. */
export function testAtWordStart(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return execAtWordStart(re, text) !== null;
}
