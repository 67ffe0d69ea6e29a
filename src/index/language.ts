/**
 * Language of a mail, restricted to the 9 languages the centre receives (fr de es it en pt pl
 * nl ro) or 'und'. Two stages, measured by scripts/measure-language.mjs:
 *  1. a function-word scorer (Map lookups over the first words: ~microseconds) that decides
 *     when one language clearly leads;
 *  2. otherwise tinyld (n-gram model, CommonJS, ~0.2-0.4 ms per call) on a bounded slice.
 * Measured on 180 short sentences (20 x 9 languages): this with tinyld 179/180, with tinyld/light
 * (used: 11 MB resident instead of 49 MB, for the worker RSS target) 177/180; tinyld alone 178/180, tinyld/heavy
 * 179/180, eld 180/180 and faster (40-70 µs), but eld is ESM-only: it cannot be required from
 * this CommonJS project nor loaded under jest without experimental VM modules.
 * Stage 1 alone decided 142/180 sentences, all right (in-sample: the word lists were written
 * for these languages, not tuned on the sentences, but watch real mail).
 */
// tinyld/light: 11 MB resident instead of 49 MB for the default model (the worker's RSS target is
// 150 MB); it only decides what the stop-word stage left unsure.
import { CONTEXTUAL_LOWER_RE } from './chars';
import { detectAll as tinyldDetectAll } from 'tinyld/light';

export const LANGUAGES = ['fr', 'de', 'es', 'it', 'en', 'pt', 'pl', 'nl', 'ro'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface LanguageResult {
  language: string; // ISO 639-1 or 'und'
  languages: string[]; // main first
}

/** Frequent function words per language; a word shared by several languages counts for each,
 *  divided by how many share it.
 *  @internal exported for tests */
export const FUNCTION_WORDS: Record<Language, string> = {
  fr: 'le la les des du de et est une un que qui pour pas dans sur au aux ce cette vous nous je mon ma mes votre vos avec par ne il elle sont été être avoir ai avez merci bonjour madame monsieur cordialement ou où mais très aussi leur suis',
  de: 'der die das und ist nicht ich sie wir ein eine einen dem den des mit von zu auf für im bei sich auch noch nach wie aus bitte ihr ihre ihnen sehr geehrte damen herren freundlichen grüßen haben hat wird wurde kann mein meine über dass',
  es: 'el la los las de y que en un una es por para con del al su sus se no le lo mi mis muy gracias usted ustedes estimados señores atentamente pero como está he ha han sido también desde',
  it: 'il lo la gli le di e che un una per non con del della dei delle al alla è sono mi mio mia vi ci si ho ha grazie gentili saluti distinti cordiali anche ma come questo questa nel nella',
  en: 'the and of to in is that for it you your we our i my with this be are was have has not on at by from please thank regards dear would could will can an',
  pt: 'o a os as de e que em um uma do da dos das para com não no na nos por se meu minha é são foi obrigado obrigada cumprimentos exmos também mas como ao à ser',
  pl: 'i w z na do że nie się jest to o od po za jak dla przez mój moja mam pan pani państwo dziękuję poważaniem szanowni proszę oraz czy jestem został została był',
  nl: 'de het een en van in is dat op te met voor niet zijn er ik u uw wij we mijn aan als ook bij heb heeft wordt werd geachte vriendelijke groet bedankt naar dit',
  ro: 'și în de la cu pe care este nu să o un pentru din ca mai sau ale al lui dumneavoastră vă mulțumesc stimate stimată cu stimă am fost sunt meu mea acest această',
};

const langIndex = (l: Language): number => LANGUAGES.indexOf(l);

/** Letters that exist in only one or two of our languages (each a single UTF-16 unit).
 *  @internal exported for tests */
export const HINT_LETTERS: [string, Language[]][] = [
  ['łąęśżźćń', ['pl']],
  ['ășțşţ', ['ro']],
  ['ß', ['de']],
  ['ñ', ['es']],
  ['ãõ', ['pt']],
  ['äöü', ['de']],
  ['ùœ', ['fr']],
];
/** HINT_LETTERS with the languages as indices in LANGUAGES. */
const LETTER_HINTS: [string, number[]][] = HINT_LETTERS.map(([letters, langs]) => [letters, langs.map(langIndex)]);
/** Which LETTER_HINTS (bit i: hint i) a character belongs to. */
const HINT_BITS: Map<number, number> = (() => {
  const bits = new Map<number, number>();
  LETTER_HINTS.forEach(([letters], i) => {
    for (let j = 0; j < letters.length; j++) bits.set(letters.charCodeAt(j), (bits.get(letters.charCodeAt(j)) ?? 0) | (1 << i));
  });
  return bits;
})();

/** Function word → the languages that have it (indices in LANGUAGES), and the weight it gives
 *  each (a plain loop over these is cheaper than destructuring [language, weight] pairs). */
const WORD_WEIGHTS: Map<string, { langs: number[]; weight: number }> = (() => {
  const owners = new Map<string, Language[]>();
  for (const lang of LANGUAGES) {
    for (const w of FUNCTION_WORDS[lang].split(' ')) {
      const list = owners.get(w) ?? [];
      if (!list.includes(lang)) list.push(lang);
      owners.set(w, list);
    }
  }
  const weights = new Map<string, { langs: number[]; weight: number }>();
  for (const [w, langs] of owners) weights.set(w, { langs: langs.map(langIndex), weight: 1 / langs.length });
  return weights;
})();
/** A longer word cannot be a function word: it is not looked up. */
const MAX_WORD_CHARS = Math.max(...[...WORD_WEIGHTS.keys()].map((w) => w.length));

/**
 * The function words in an open-addressing table keyed by a hash of their UTF-16 units
 * (h = h * 31 + unit, to 32 bits), which scoreWords computes while it reads a word: a word is
 * looked up without being cut out of the text nor hashed again by a Map. Replaces a filter on
 * the first three units then slice + Map.get; measured on the bench mix (8 alternating pairs):
 * detectLanguage ~12.3 → ~10.9 µs a message (medians).
 */
interface FunctionWord {
  word: string;
  hash: number;
  langs: number[];
  weight: number;
}
const WORD_SLOT_BITS = 11; // 2,048 slots for ~330 words: most probes end on an empty slot
const WORD_SLOT_MASK = (1 << WORD_SLOT_BITS) - 1;
const slotOf = (hash: number): number => (hash ^ (hash >>> WORD_SLOT_BITS) ^ (hash >>> (2 * WORD_SLOT_BITS))) & WORD_SLOT_MASK;
const { WORD_SLOTS, WORD_LIST } = (() => {
  const list: FunctionWord[] = [];
  const slots = new Int16Array(1 << WORD_SLOT_BITS).fill(-1);
  for (const [word, { langs, weight }] of WORD_WEIGHTS) {
    let hash = 0;
    for (let i = 0; i < word.length; i++) hash = (hash * 31 + word.charCodeAt(i)) | 0;
    let slot = slotOf(hash);
    while (slots[slot]! >= 0) slot = (slot + 1) & WORD_SLOT_MASK;
    slots[slot] = list.length;
    list.push({ word, hash, langs, weight });
  }
  return { WORD_SLOTS: slots, WORD_LIST: list };
})();

/** The function word that text.slice(start, end) is (`hash`: of its units), if any. */
function functionWordAt(text: string, start: number, end: number, hash: number): FunctionWord | undefined {
  for (let slot = slotOf(hash); ; slot = (slot + 1) & WORD_SLOT_MASK) {
    const k = WORD_SLOTS[slot]!;
    if (k < 0) return undefined;
    const fw = WORD_LIST[k]!;
    if (fw.hash === hash && fw.word.length === end - start && text.startsWith(fw.word, start)) return fw;
  }
}

/** Chars scored by stage 1 and given to tinyld in stage 2: bounded cost per message
 *  (measured: splitting 1,500 chars costs ~50 µs, tinyld ~0.2-0.7 ms). */
const SCORE_CHARS = 1500;
const TINYLD_CHARS = 600;
/** Stage 1 decides when the leader has this much evidence and this lead over the second. */
const MIN_SCORE = 2;
const MIN_RATIO = 2;
/** Paragraphs looked at for secondary languages, and the shortest one that counts. */
const PARAGRAPH_CHARS = 4000;
const MIN_PARAGRAPH_CHARS = 40;

const LETTER_RE = /^\p{L}$/u;
/** \p{L} per BMP character outside ASCII, tested once: 0 not yet, 1 letter, 2 not a letter. */
const BMP_LETTER = new Uint8Array(0x10000);

function isLetterCode(cp: number): boolean {
  if (cp < 128) return (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90);
  if (cp < 0x10000) {
    let known = BMP_LETTER[cp]!;
    if (known === 0) BMP_LETTER[cp] = known = LETTER_RE.test(String.fromCharCode(cp)) ? 1 : 2;
    return known === 1;
  }
  return LETTER_RE.test(String.fromCodePoint(cp));
}

/** Stage 1 scores: the sum for each language (LANGUAGES order; 0: not scored) and the order in
 *  which languages were first scored (the order ties are ranked in). */
interface Scores {
  sums: number[];
  order: number[];
}

/** What scoreWords reads in a lower-cased text, in text order: the function words (with where
 *  each starts) and the hint letters (where, and their HINT_BITS). */
interface WordScan {
  wordAt: number[];
  words: FunctionWord[];
  hintAt: number[];
  hintBits: number[];
}

/**
 * The function words and hint letters of a lower-cased text. The words are the runs of letters
 * (\p{L}, by code point) — what `split(/[^\p{L}]+/u)` gave — found by one pass over the
 * characters that also notes the hint letters, in place of the split and one regex scan per
 * hint; words are looked up without being cut out (functionWordAt). Measured on the corpus
 * texts: ~19 → ~10 µs per call (2 or 3 calls per message).
 */
function scanWords(sample: string): WordScan {
  const scan: WordScan = { wordAt: [], words: [], hintAt: [], hintBits: [] };
  let start = -1; // start of the current word; -1: not in a word
  let hash = 0; // of the current word's units so far
  for (let i = 0; i <= sample.length; ) {
    let cp = -1;
    let units = 1;
    if (i < sample.length) {
      cp = sample.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < sample.length) {
        const low = sample.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = (cp - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
          units = 2;
        }
      } else if (cp >= 128) {
        const bits = HINT_BITS.get(cp);
        if (bits !== undefined) {
          scan.hintAt.push(i);
          scan.hintBits.push(bits);
        }
      }
    }
    if (cp >= 0 && isLetterCode(cp)) {
      if (start < 0) {
        start = i;
        hash = 0;
      }
      hash = (hash * 31 + sample.charCodeAt(i)) | 0;
      if (units === 2) hash = (hash * 31 + sample.charCodeAt(i + 1)) | 0;
    } else if (start >= 0) {
      const word = i - start <= MAX_WORD_CHARS ? functionWordAt(sample, start, i, hash) : undefined;
      if (word !== undefined) {
        scan.wordAt.push(start);
        scan.words.push(word);
      }
      start = -1;
    }
    i += units;
  }
  return scan;
}

/**
 * Function-word and letter-hint scores of the words and hint letters of `scan` in [from, to).
 * Scores are added in the same order (words in text order, then hints in LETTER_HINTS order)
 * and `order` is the first-scored order, so the values and the ties are exactly those of the
 * Map of language → score this once returned.
 */
function scoresIn(scan: WordScan, from: number, to: number): Scores {
  // Every weight is > 0, so a sum is 0 until its language is scored.
  const sums = LANGUAGES.map(() => 0);
  const order: number[] = [];
  const add = (lang: number, w: number): void => {
    if (sums[lang] === 0) order.push(lang);
    sums[lang]! += w;
  };
  for (let k = 0; k < scan.words.length; k++) {
    const at = scan.wordAt[k]!;
    if (at < from || at >= to) continue;
    const { langs, weight } = scan.words[k]!;
    for (let j = 0; j < langs.length; j++) add(langs[j]!, weight);
  }
  let hints = 0;
  for (let k = 0; k < scan.hintAt.length; k++) if (scan.hintAt[k]! >= from && scan.hintAt[k]! < to) hints |= scan.hintBits[k]!;
  LETTER_HINTS.forEach(([, langs], h) => {
    if (hints & (1 << h)) for (const l of langs) add(l, 1.5);
  });
  return { sums, order };
}

/** Stage 1 scores of the text's head. */
function scoreWords(text: string): Scores {
  const sample = text.slice(0, SCORE_CHARS).toLowerCase();
  return scoresIn(scanWords(sample), 0, sample.length);
}

/**
 * The first two languages of the ranking — scores sorted by decreasing value, ties in
 * first-scored order (a stable sort of the Map this once was) — found by one pass over `order`
 * rather than by sorting a copy of the entries (and without building that Map): measured on the
 * bench mix, detectLanguage ~15 → ~12 µs a message. -1: no such language.
 */
function topTwo({ sums, order }: Scores): [number, number] {
  let first = -1;
  let second = -1;
  for (const l of order) {
    if (first < 0 || sums[l]! > sums[first]!) {
      second = first;
      first = l;
    } else if (second < 0 || sums[l]! > sums[second]!) {
      second = l;
    }
  }
  return [first, second];
}

/**
 * Stage 1 scores of a text in first-scored order, and the first two languages as topTwo ranks them.
 * @internal exported for test/unit/index/fast-paths.test.ts
 */
export function stage1Scores(text: string): { scores: [string, number][]; top: (string | null)[] } {
  const scores = scoreWords(text);
  return {
    scores: scores.order.map((l): [string, number] => [LANGUAGES[l]!, scores.sums[l]!]),
    top: topTwo(scores).map((l) => (l < 0 ? null : LANGUAGES[l]!)),
  };
}

/**
 * Scores of text.slice(from, to) read from one scan of the whole text, as detectLanguage reads a
 * paragraph of a short text (shortText), in first-scored order.
 * @internal exported for test/unit/index/fast-paths.test.ts
 */
export function scannedScores(text: string, from: number, to: number): [string, number][] {
  const scores = scoresIn(scanWords(text.toLowerCase()), from, to);
  return scores.order.map((l): [string, number] => [LANGUAGES[l]!, scores.sums[l]!]);
}

const ONLY: string[] = [...LANGUAGES];

/** Stage 1 verdict, or null when no language clearly leads. */
function clearLeader(scores: Scores, minScore: number): Language | null {
  const [first, second] = topTwo(scores);
  if (first < 0 || scores.sums[first]! < minScore || scores.sums[first]! < MIN_RATIO * (second < 0 ? 0 : scores.sums[second]!)) return null;
  return LANGUAGES[first]!;
}

/** Stage 1 alone (exported for scripts/measure-language.mjs): a language, or null if unsure. */
export function functionWordLeader(text: string): string | null {
  return clearLeader(scoreWords(text), MIN_SCORE);
}

function mainLanguage(text: string, scores: Scores = scoreWords(text)): string {
  const leader = clearLeader(scores, MIN_SCORE);
  if (leader !== null) return leader;
  const guesses = tinyldDetectAll(text.slice(0, TINYLD_CHARS), { only: ONLY });
  if (guesses.length > 0 && guesses[0].accuracy > 0) return guesses[0].lang;
  const [first] = topTwo(scores);
  return first >= 0 && scores.sums[first]! > 0 ? LANGUAGES[first]! : 'und';
}

const PARAGRAPH_BREAK_RE = /\n\s*\n/g;

/** Other languages: those that clearly lead a paragraph of their own (a quoted reply, a
 *  translation below the original). Stage 1 only: bounded and cheap. `scan`: of the whole text,
 *  lower-cased, when shortText says the paragraphs can be scored from it. */
function otherLanguages(text: string, main: string, scan: WordScan | null): string[] {
  const others: string[] = [];
  const head = text.slice(0, PARAGRAPH_CHARS);
  // The paragraphs as head.split(/\n\s*\n/) cuts them (split and this exec loop find the same
  // breaks: leftmost first, never empty), with where each starts.
  const starts = [0];
  const ends: number[] = [];
  PARAGRAPH_BREAK_RE.lastIndex = 0;
  for (let m = PARAGRAPH_BREAK_RE.exec(head); m !== null; m = PARAGRAPH_BREAK_RE.exec(head)) {
    ends.push(m.index);
    starts.push(m.index + m[0].length);
  }
  ends.push(head.length);
  if (starts.length < 2) return others; // one paragraph: its language is the main one
  for (let p = 0; p < starts.length; p++) {
    const from = starts[p]!;
    const to = ends[p]!;
    if (to - from < MIN_PARAGRAPH_CHARS) continue;
    const leader = clearLeader(scan !== null ? scoresIn(scan, from, to) : scoreWords(head.slice(from, to)), MIN_SCORE);
    if (leader !== null && leader !== main && !others.includes(leader)) others.push(leader);
  }
  return others;
}


/**
 * Whether one scan of the whole text serves the main language and every paragraph: the text is
 * within the SCORE_CHARS scored (so is each paragraph: no word is cut at that limit), and
 * lower-casing it maps each character on its own to one of the same length (all but Σ and İ:
 * checked over every code point on Node 20), so a paragraph lower-cased is the same slice of the
 * text lower-cased, and a paragraph's words are the text's words between its bounds (a paragraph
 * break is no letter). Measured on the bench mix (6 alternating pairs): detectLanguage ~10.3 →
 * ~6.8 µs a message (medians; the paragraphs were a second scan of most texts).
 * @internal exported for tests
 */
export function shortText(text: string): boolean {
  return text.length <= SCORE_CHARS && !CONTEXTUAL_LOWER_RE.test(text);
}

export function detectLanguage(text: string): LanguageResult {
  const trimmed = text.trim();
  if (trimmed === '') return { language: 'und', languages: [] };
  const scan = shortText(trimmed) ? scanWords(trimmed.toLowerCase()) : null;
  const main = mainLanguage(trimmed, scan !== null ? scoresIn(scan, 0, trimmed.length) : scoreWords(trimmed));
  if (main === 'und') return { language: 'und', languages: [] };
  return { language: main, languages: [main, ...otherLanguages(trimmed, main, scan)] };
}
