/**
 * Text normalisation shared by the rule engine and the model: one accent- and case-folding pass
 * per message, so that "Übersetzung", "ubersetzung" and "UEBERSETZUNG" meet the same keyword.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Letters that NFD does not decompose but that writers type either way. */
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ı: 'i' };
const SPECIAL_RE = /[ßæœøłđı]/g;
/** Typographic apostrophes become ASCII so "d’absence" meets the keyword "d'absence". */
const QUOTES_RE = /[’‘`´ʼ]/g;

/** Lower-case, strip accents, map ligatures; keeps length roughly stable (for excerpts). */
export function fold(text: string): string {
  // Most mail is Latin-1 (French, English, German, Spanish...): one table pass instead of NFD.
  if (!NON_LATIN1.test(text)) return text.toLowerCase().replace(LATIN1_FOLDED, (c) => LATIN1_FOLD[c.charCodeAt(0)]!);
  return oneByte(foldSlow(text));
}

function foldSlow(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c)
    .replace(QUOTES_RE, "'");
}

const NON_LATIN1 = /[^\u0000-\u00ff]/;
const NON_LATIN1_ALL = /[^\u0000-\u00ff]/g;

/**
 * foldSlow of each Latin-1 character, by char code. Folding a Latin-1 text character by character
 * gives foldSlow's result: it has no combining marks for NFD to reorder, and lower-casing a Latin-1
 * character does not depend on its neighbours nor leave Latin-1 (test/unit/classify/text.test.ts
 * checks all 256 and random texts). LATIN1_FOLDED: the characters, lower case, that this changes.
 */
const LATIN1_FOLD: string[] = Array.from({ length: 256 }, (_, c) => foldSlow(String.fromCharCode(c)));
const LATIN1_FOLDED = new RegExp(
  `[${LATIN1_FOLD.flatMap((f, c) => (f !== String.fromCharCode(c).toLowerCase() ? [`\\x${c.toString(16).padStart(2, '0')}`] : [])).join('')}]`,
  'g',
);

/**
 * The same string, held by V8 as one byte a character when every character is Latin-1. NFD gives
 * combining marks (two bytes a character), and V8 keeps that representation through the replaces
 * that remove them: a Polish "ś" left the whole folded text two-byte although it is ASCII. One-byte
 * text takes half the memory, and irregexp then runs (and compiles) the keyword regexes for one-byte
 * subjects only: their two-byte native code was ~1.5 MB of the worker's code space.
 */
function oneByte(s: string): string {
  return NON_LATIN1.test(s) ? s : Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * `s` with every UTF-16 unit outside Latin-1 replaced by a space, one-byte (see oneByte), at the
 * same offsets. Folded mail still has "–" or "€" (16 of the benchmark's 50 messages): keyword
 * searches run on this (KeywordSearch.latin1).
 */
export function latin1Projection(s: string): string {
  return NON_LATIN1.test(s) ? Buffer.from(s.replace(NON_LATIN1_ALL, ' '), 'latin1').toString('latin1') : s;
}

/** Accents off, case kept: for regex sources, where case matters (`\\D` vs `\\d`, `\\p{L}`). */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '');
}

/** German writers without umlauts type "ue" for "ü": keywords are matched on both spellings. */
export function foldGermanDigraphs(folded: string): string {
  return folded.replace(/ae/g, 'a').replace(/oe/g, 'o').replace(/ue/g, 'u');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A compiled keyword list: the regex, and which words a text needs for it to match at all. */
export interface KeywordSearch {
  re: RegExp;
  /** One word per keyword (see requiredWord): an alternative of `re` only matches a text where
   *  one of these is a word (a maximal run of [a-z0-9]). Null when some keyword has no such word
   *  nor prefix: the regex must always run. */
  words: string[] | null;
  /** Prefix keywords of one word ("tradu*"): a text that contains none of these (anywhere)
   *  and none of `words` as a word cannot match. */
  prefixes: string[];
  /**
   * `re` finds the same matches, at the same offsets, in latin1Projection(text) as in the text: its
   * keywords are all Latin-1 (else false). The regex has no flags, and its only classes are
   * `[^a-z0-9]`, `[a-z0-9]` and `\b`: a character outside Latin-1 is matched by `[^a-z0-9]` alone
   * and is a non-word character for `\b`, like the space, and no literal holds a space (keywords
   * are split on whitespace). So irregexp compiles it for one-byte subjects only.
   */
  latin1: boolean;
}

/**
 * Compiles a keyword list into one regex over folded text. A keyword matches at word boundaries;
 * a trailing `*` makes it a prefix ("tradu*" matches "traduction", "traduire"); inner spaces
 * match a short run of spaces/punctuation so "directive 2011/24" also matches "directive 2011 / 24".
 * ASCII `\b` rather than Unicode lookarounds: folded text is (nearly) ASCII, and irregexp runs
 * `\b`-anchored literal alternations several times faster — this is the hot path of the worker.
 * With the regex come the words a text needs for it to have a chance (see KeywordFilter).
 */
export function compileKeywordSearch(keywords: string[]): KeywordSearch | null {
  const words = new Set<string>();
  const prefixes = new Set<string>();
  let anywhere = false;
  const alternatives = [
    ...new Set(
      keywords
        .map((k) => fold(k).trim())
        .filter((k) => k.length > 0)
        .map((k) => {
          const prefix = k.endsWith('*');
          const core = prefix ? k.slice(0, -1) : k;
          const parts = core.split(/\s+/);
          const body = parts.map((part) => escapeRegex(part)).join('[^a-z0-9]{1,4}');
          const start = /^[a-z0-9]/.test(core) ? '\\b' : '';
          const end = prefix ? '[a-z0-9]*' : /[a-z0-9]$/.test(core) ? '\\b' : '';
          const word = requiredWord(parts, prefix);
          if (word !== null) words.add(word);
          else if (prefix && parts.length === 1 && /^[a-z0-9]+$/.test(core)) prefixes.add(core);
          else anywhere = true;
          return `${start}${body}${end}`;
        }),
    ),
  ];
  if (alternatives.length === 0) return null;
  // Longest first so the reported match is the most specific keyword.
  alternatives.sort((a, b) => b.length - a.length);
  const re = new RegExp(factorByFirstLetter(alternatives));
  return { re, words: anywhere ? null : [...words], prefixes: [...prefixes], latin1: !NON_LATIN1.test(re.source) };
}

/**
 * A word that any text matching the keyword's alternative has as a whole word (a maximal run of
 * [a-z0-9]), or null. The alternative is the keyword's parts, taken literally (escapeRegex),
 * joined by [^a-z0-9]{1,4}, after a `\b` when it starts with a letter or digit, before `\b`
 * when it ends with one, or `[a-z0-9]*` for a prefix keyword. So a part that is all [a-z0-9]
 * is a whole word of the text, except the last part of a prefix keyword (the text may go on);
 * and the leading [a-z0-9] run of any part is one (a separator or `\b` before it, and the
 * part's own punctuation after it). The longest such word is taken: the rarest, roughly
 * ("i am out of the office" → "office").
 */
function requiredWord(parts: string[], prefix: boolean): string | null {
  let best: string | null = null;
  parts.forEach((part, i) => {
    const pure = /^[a-z0-9]+$/.test(part);
    const word = pure ? (i < parts.length - 1 || !prefix ? part : null) : (/^[a-z0-9]+/.exec(part)?.[0] ?? null);
    if (word !== null && (best === null || word.length > best.length)) best = word;
  });
  return best;
}

/** [a-z0-9]: the characters of a word of folded text. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/**
 * Calls `word(start, end)` for each maximal run of [a-z0-9] in folded text, in order. By hand
 * rather than with a global regex: no match object and no string per word, on the hot path of the
 * rules' keyword filter and of the model's features.
 */
export function forEachWord(folded: string, word: (start: number, end: number) => void): void {
  let start = -1;
  for (let i = 0; i <= folded.length; i++) {
    if (i < folded.length && isWordChar(folded.charCodeAt(i))) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0) word(start, i);
    start = -1;
  }
}

/** Size of KeywordFilter's bitmap of word shapes (a power of two). */
const SHAPES = 1 << 16;

/**
 * Which keyword searches can match a text, from the text's words: one Map lookup per word, where
 * running a keyword list's regex costs a scan of the text. Most keyword lists are absent from
 * most messages: on the benchmark mix, ~10 regexes run per message instead of ~36, and the
 * rules take ~30 µs per message instead of ~70. A word whose shape (length and first three
 * letters, hashed) no required word has is not even cut out of the text: measured on the
 * corpus, 1 word in 6 is looked up.
 */
export class KeywordFilter {
  private readonly byWord = new Map<string, number[]>();
  private readonly all: KeywordSearch[] = [];
  /** 1 at the shapeOf every word of the searches (other shapes may share a bit: then looked up). */
  private readonly shapes = new Uint8Array(SHAPES);

  /** Registers a search; its id indexes the array returned by `wordsIn`. */
  add(search: KeywordSearch): number {
    const id = this.all.length;
    this.all.push(search);
    for (const w of search.words ?? []) {
      const ids = this.byWord.get(w);
      if (ids) ids.push(id);
      else this.byWord.set(w, [id]);
      this.shapes[shapeOf(w, 0, w.length)] = 1;
    }
    return id;
  }

  /** 1 at the id of every search one of whose `words` is a word of `folded`. */
  wordsIn(folded: string): Uint8Array {
    const out = new Uint8Array(this.all.length);
    // No string is cut out for a word whose shape no required word has (most words).
    forEachWord(folded, (start, end) => {
      if (this.shapes[shapeOf(folded, start, end)] !== 1) return;
      const ids = this.byWord.get(folded.slice(start, end));
      if (ids) for (const id of ids) out[id] = 1;
    });
    return out;
  }

  /** False when search `id` cannot match `folded`, given `wordsIn(folded)`. */
  mayMatch(id: number, words: Uint8Array, folded: string): boolean {
    // A search registered after `words` was computed (a rules reload) is simply run.
    if (id >= words.length || words[id] === 1) return true;
    const s = this.all[id]!;
    return s.words === null || s.prefixes.some((p) => folded.includes(p));
  }
}

/** Hash of the length and first three characters of text.slice(start, end), in [0, SHAPES). */
function shapeOf(text: string, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end && i < start + 3; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h & (SHAPES - 1);
}

/**
 * `\bfoo|\bbar|\bfig` → `\b(?:f(?:oo|ig)|b(?:ar))`: with a few hundred keywords in nine
 * languages, irregexp would otherwise try every alternative at every word start; dispatching on
 * the first letter keeps the keyword lists' cost nearly flat as they grow. At one position only
 * one first letter can match, and each group keeps the longest-first order, so the match found
 * is the same as with the flat alternation.
 */
function factorByFirstLetter(alternatives: string[]): string {
  const groups = new Map<string, string[]>();
  const other: string[] = [];
  for (const alt of alternatives) {
    const m = /^\\b([a-z0-9])/.exec(alt);
    if (!m) {
      other.push(alt);
      continue;
    }
    const rest = alt.slice(3);
    const g = groups.get(m[1]!);
    if (g) g.push(rest);
    else groups.set(m[1]!, [rest]);
  }
  const factored = [...groups].map(([c, rests]) => `${c}(?:${rests.join('|')})`);
  const parts = factored.length ? [`\\b(?:${factored.join('|')})`] : [];
  return `(?:${[...parts, ...other].join('|')})`;
}
