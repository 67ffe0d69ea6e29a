/**
 * Countries mentioned in a text, as ISO codes. Word n-gram lookups in one Map built once
 * (O(words), no giant regex alternation), accents ignored, longest name first
 * ("Bosnia and Herzegovina" before "Bosnia", "Irlande du Nord" before "Irlande").
 */
import { bmpClass, CONTEXTUAL_LOWER_RE, MARK, OTHER, TOKEN } from './chars';
import { COUNTRY_NAMES } from './countries-data';

interface Entry {
  code: string;
  /** Accent-free tokens with their capitals, for names that are also common words. */
  exact: string[] | null;
}

const TOKEN_RE = /[\p{L}\p{N}]+/gu;
const stripAccents = (s: string): string => s.normalize('NFD').replace(/\p{M}+/gu, '');

/** Accent-free tokens: of the country names (at load), and of texts with surrogates. */
function tokens(s: string): string[] {
  return stripAccents(s).match(TOKEN_RE) ?? [];
}

/* Character classes for textTokens (chars.ts): TOKEN, part of a token; MARK, dropped (as by
 * stripAccents), so it neither ends nor starts a token; OTHER ends a token. */

const SURROGATE_RE = /[\ud800-\udfff]/;

interface Tokens {
  words: string[];
  /** words[i].toLowerCase() */
  lower: string[];
}

/**
 * tokens(text), and each in lower case, in one pass over the NFD text: the same runs of
 * \p{L}\p{N} with the marks left out, without the mark-removing replace and the Unicode-class
 * match (both regex scans of the whole text). The lower-case tokens are cut at the same places
 * from the text lower-cased once, rather than one toLowerCase per token: the same strings, as
 * lower-casing maps each character on its own but for Σ and İ (then: per token). A text with
 * surrogates takes tokens(): there removing a mark can join a pair, which a pass by character
 * would not see. With KEY_SHAPES, measured on the corpus: extractCountries ~42 → ~14 µs per text.
 *
 * @internal exported for tests (test/unit/index/fast-paths.test.ts)
 */
export function textTokens(text: string): Tokens {
  const s = text.normalize('NFD');
  if (SURROGATE_RE.test(s)) return withLower(tokens(text));
  const ls = CONTEXTUAL_LOWER_RE.test(s) ? null : s.toLowerCase();
  const words: string[] = [];
  const lower: string[] = [];
  // The current token before `from` (marks left out), as cut from s and from ls.
  let token = '';
  let lowerToken = '';
  let from = -1; // where the current token's unbroken part starts; -1: not in a token
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? bmpClass(s.charCodeAt(i)) : OTHER;
    if (c === TOKEN) {
      if (from < 0) from = i;
    } else if (from >= 0) {
      token += s.slice(from, i);
      if (ls !== null) lowerToken += ls.slice(from, i);
      if (c === MARK) {
        from = i + 1; // the token goes on after the mark
      } else {
        words.push(token);
        lower.push(ls !== null ? lowerToken : token.toLowerCase());
        token = lowerToken = '';
        from = -1;
      }
    }
  }
  return { words, lower };
}

function withLower(words: string[]): Tokens {
  return { words, lower: words.map((w) => w.toLowerCase()) };
}

const { NAMES, MAX_WORDS, FIRST_WORDS } = (() => {
  const names = new Map<string, Entry>();
  const first = new Set<string>(); // first words of multi-word names: skip n-grams otherwise
  let max = 1;
  for (const [code, list] of Object.entries(COUNTRY_NAMES)) {
    for (const raw of list) {
      const caseSensitive = raw.startsWith('^');
      const toks = tokens(caseSensitive ? raw.slice(1) : raw);
      if (toks.length === 0) continue;
      max = Math.max(max, toks.length);
      if (toks.length > 1) first.add(toks[0].toLowerCase());
      const key = toks.join(' ').toLowerCase();
      if (!names.has(key)) names.set(key, { code, exact: caseSensitive ? toks : null });
    }
  }
  return { NAMES: names, MAX_WORDS: max, FIRST_WORDS: first };
})();

/** Hash of the length and first three UTF-16 units of a word, in [0, 2^16). */
function shapeOf(word: string): number {
  let h = word.length;
  for (let i = 0; i < word.length && i < 3; i++) h = (h * 31 + word.charCodeAt(i)) | 0;
  return h & 0xffff;
}
/** 1 at the shape of every first word and one-word name: a token of another shape is neither,
 *  and is passed over without the two lookups (most tokens of a text). */
const KEY_SHAPES = new Uint8Array(1 << 16);
for (const w of FIRST_WORDS) KEY_SHAPES[shapeOf(w)] = 1;
for (const key of NAMES.keys()) if (!key.includes(' ')) KEY_SHAPES[shapeOf(key)] = 1;

export function extractCountries(text: string): string[] {
  const { words, lower } = textTokens(text);
  const found = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    if (KEY_SHAPES[shapeOf(lower[i])] === 0) continue;
    const longest = FIRST_WORDS.has(lower[i]) ? Math.min(MAX_WORDS, words.length - i) : 1;
    for (let n = longest; n >= 1; n--) {
      const entry = NAMES.get(n === 1 ? lower[i] : lower.slice(i, i + n).join(' '));
      if (entry === undefined) continue;
      if (entry.exact !== null && entry.exact.some((w, k) => words[i + k] !== w)) continue;
      found.add(entry.code);
      i += n - 1;
      break;
    }
  }
  return [...found];
}
