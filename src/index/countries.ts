/**
 * Countries mentioned in a text, as ISO codes. Word n-gram lookups in one Map built once
 * (O(words), no giant regex alternation), accents ignored, longest name first
 * ("Bosnia and Herzegovina" before "Bosnia", "Irlande du Nord" before "Irlande").
 */
import { COUNTRY_NAMES } from './countries-data';

interface Entry {
  code: string;
  /** Accent-free tokens with their capitals, for names that are also common words. */
  exact: string[] | null;
}

const TOKEN_RE = /[\p{L}\p{N}]+/gu;
const stripAccents = (s: string): string => s.normalize('NFD').replace(/\p{M}+/gu, '');

function tokens(s: string): string[] {
  return stripAccents(s).match(TOKEN_RE) ?? [];
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

export function extractCountries(text: string): string[] {
  const words = tokens(text);
  const lower = words.map((w) => w.toLowerCase());
  const found = new Set<string>();
  for (let i = 0; i < words.length; i++) {
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
