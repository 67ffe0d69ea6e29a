/**
 * Message -> model features. Words of subject/body/attachment text, folded, stop words removed,
 * stemmed with natural's stemmer for the message's language; plus index facts (forms, sender
 * kind, language) as pseudo-words. Only natural's individual files are loaded: the package index
 * pulls in ~1,270 modules and dotenv (see STACK-NOTES).
 */
import type { IndexRecord } from '../../index/types';
import { fold, forEachWord } from '../text';

export interface Stemmer {
  stem(word: string): string;
}

const NATURAL = 'natural/lib/natural';
/** Languages with a natural stemmer; others (pl, ro, …) fall back to folding alone. */
const STEMMER_FILES: Record<string, string> = {
  fr: 'stemmers/porter_stemmer_fr',
  en: 'stemmers/porter_stemmer',
  de: 'stemmers/porter_stemmer_de',
  es: 'stemmers/porter_stemmer_es',
  it: 'stemmers/porter_stemmer_it',
  pt: 'stemmers/porter_stemmer_pt',
  nl: 'stemmers/porter_stemmer_nl',
};
const STOPWORD_FILES = ['stopwords', 'stopwords_fr', 'stopwords_es', 'stopwords_it', 'stopwords_pt', 'stopwords_nl', 'stopwords_pl'];
/** natural's German stop words come from another package; these cover the mail register. */
const GERMAN_STOPWORDS =
  'aber als am an auch auf aus bei bin bis bitte da damit dann das dass dem den der des die dies diese dieser dir du durch ein eine einem einen einer eines er es fur hat hatte ich ihr ihre ihnen im in ist ja kann mit mich mir nach nicht noch nur oder sehr sich sie sind so uber um und uns unser unsere vom von vor war wie wir wird wurde zu zum zur'.split(
    ' ',
  );
/** Mail boilerplate that says nothing about the destination. */
const MAIL_STOPWORDS = 'bonjour madame monsieur cordialement merci salutations regards dear sehr geehrte mit freundlichen grussen'.split(' ');

/** Text beyond this is ignored by the model: the head of a message carries the topic. */
export const MAX_MODEL_CHARS = 20_000;
/** Bounded stem cache per language: stemming costs ~8x the scoring, and words repeat (Zipf). */
const STEM_CACHE_MAX = 50_000;

let stopwords: Set<string> | null = null;
const stemmers = new Map<string, Stemmer | null>();
const stemCache = new Map<string, Map<string, string>>();

export function getStopwords(): Set<string> {
  if (stopwords) return stopwords;
  const all = new Set<string>([...GERMAN_STOPWORDS, ...MAIL_STOPWORDS]);
  for (const f of STOPWORD_FILES) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`${NATURAL}/util/${f}`) as { words: string[] };
    for (const w of mod.words) all.add(fold(w));
  }
  stopwords = all;
  return all;
}

export function getStemmer(lang: string): Stemmer | null {
  if (!stemmers.has(lang)) {
    const file = STEMMER_FILES[lang];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    stemmers.set(lang, file ? (require(`${NATURAL}/${file}`) as Stemmer) : null);
  }
  return stemmers.get(lang) ?? null;
}

function stemCacheOf(lang: string): Map<string, string> {
  let cache = stemCache.get(lang);
  if (!cache) stemCache.set(lang, (cache = new Map()));
  return cache;
}

function stemCached(stemmer: Stemmer, cache: Map<string, string>, word: string): string {
  let out = cache.get(word);
  if (out === undefined) {
    out = stemOf(stemmer, word);
    if (cache.size >= STEM_CACHE_MAX) cache.clear();
    cache.set(word, out);
  }
  return out;
}

/** Some stemmers re-accent ("dètach"): fold again so the vocabulary stays accent-free. */
export function stemOf(stemmer: Stemmer, word: string): string {
  return fold(stemmer.stem(word));
}

/** Keeps words of 2..30 letters and 3..4-digit numbers (883, 2004, 2011: regulation numbers). */
export function keepToken(t: string): boolean {
  if (isDigits(t)) return t.length >= 3 && t.length <= 4;
  return t.length >= 2 && t.length <= 30;
}

/** /^\d+$/ without a regex: it runs for every word of every message. */
function isDigits(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Which features the model uses; stored in model.json so prediction rebuilds exactly what the
 * model was trained on. All options off = the words-only feature set of format 1 models.
 */
export interface FeatureOptions {
  /** Also add the first N folded letters of longer words ("p:tradu"): a language-independent
   *  stem that lets "traducción", "traduzione" and "traduction" meet. 0 = off. */
  prefix: number;
  /** Also add pairs of consecutive kept words ("b:certificat_a1"). */
  bigrams: boolean;
  /** Letter n-grams of this length inside long words, for German/Dutch compounds
   *  ("konsekutivdolmetschen" contains "dolmet"). 0 = off. */
  compound: number;
  /** Letter n-grams of lengths charMin..charMax inside each folded word, with word boundaries
   *  marked ("g:_tradu"): they let unseen inflections, compounds and cognates meet the
   *  vocabulary. Shared by subject and body. 0 = off. */
  charMin: number;
  charMax: number;
  /** Value of one letter n-gram relative to one word before the L2 normalisation of the vector
   *  (a word yields many n-grams: without it they would drown the words). */
  charWeight: number;
}

export const WORD_FEATURES: FeatureOptions = { prefix: 0, bigrams: false, compound: 0, charMin: 0, charMax: 0, charWeight: 1 };
/** Chosen by cross-validation on config/training (5 folds x 6 shuffles, and leave-one-writer-out):
 *  letter 4-5-grams at half a word's value lowered the out-of-fold log-loss from 0.213 to 0.188
 *  and raised the AUC of "the best suggestion is right" from 0.89 to 0.92, so more correct
 *  decisions clear the threshold (final macro-F1 at 0.8: 0.884 → 0.895); they subsume the
 *  5-letter prefixes (with both: 0.893). Word bigrams, compound n-grams, 3-5-grams (0.891) and
 *  n-grams at full weight did not do better. */
export const DEFAULT_FEATURES: FeatureOptions = { prefix: 0, bigrams: false, compound: 0, charMin: 4, charMax: 5, charWeight: 0.5 };

/** Feature-name prefix of letter n-grams (explained through the word they came from). */
export const GRAM_PREFIX = 'g:';

export function isGram(feature: string): boolean {
  return feature.charCodeAt(0) === 103 && feature.charCodeAt(1) === 58; // "g:"
}

/** A feature's value before normalisation: letter n-grams weigh `charWeight`, the rest 1. */
export function featureValue(feature: string, opts: Pick<FeatureOptions, 'charWeight'>): number {
  return isGram(feature) ? opts.charWeight : 1;
}

/** Letter n-grams of a word ("_" marks its boundaries). Not cached: the worker keeps only the
 *  model's known n-gram indices per word (linear.ts), and training lists each message once. */
export function gramsOf(tok: string, min: number, max: number): string[] {
  const w = `_${tok}_`;
  const out: string[] = [];
  for (let n = min; n <= max; n++) for (let i = 0; i + n <= w.length; i++) out.push(GRAM_PREFIX + w.slice(i, i + n));
  return out;
}

export interface Features {
  /** Distinct feature names (binary presence), letter n-grams included. For training: the
   *  worker scores `base` and `gramWords` instead, which skips building the n-gram names. */
  readonly names: string[];
  /** Word features and index facts (no letter n-grams), with where each first occurs. */
  base: { names: string[]; origins: number[] };
  /** Distinct words whose letter n-grams are features, in order, with where each first occurs. */
  gramWords: { words: string[]; origins: number[] };
  /** A word as written in the message for a feature (accents kept when the text allows), to
   *  explain a decision in plain words; computed only for the few words an explanation shows. */
  surfaceOf(feature: string): string;
  /** The word as written at an origin (see `originOf`). */
  wordAt(origin: number): string;
  /** Where the feature first occurs (offset of its word), -1 for index facts and unknowns: the
   *  explanation adds up the features of one word (its stem, prefix and letter n-grams). */
  originOf(feature: string): number;
}

/** Texts already folded by the caller (the rules' view folds them once per message). */
export interface FoldedTexts {
  subject: string;
  text: string;
}

/** A word of folded text (as forEachWord finds them). */
const TOKEN = /[a-z0-9]+/g;

/**
 * Adds the word features of one folded text; `prefix` separates subject words from body words.
 * Records where each feature first occurs so its surface can be cut from the original text.
 */
function addWords(folded: string, lang: string, prefix: string, opts: FeatureOptions, out: Map<string, number>, base: number, grams: Map<string, number>): void {
  const stop = getStopwords();
  // The language's stemmer and its stem cache, looked up once per text rather than per word.
  const stemmer = getStemmer(lang);
  const stems = stemmer ? stemCacheOf(lang) : null;
  const text = folded.length > MAX_MODEL_CHARS ? folded.slice(0, MAX_MODEL_CHARS) : folded;
  let previous: string | null = null;
  // The TOKEN matches (forEachWord: no match object per word). With keepToken's loop and the
  // stemmer looked up once, measured on the corpus: extractFeatures ~41 → ~32 µs per message.
  forEachWord(text, (start, end) => {
    const tok = text.slice(start, end);
    const at = base + start;
    if (!keepToken(tok) || stop.has(tok)) return;
    const stemmed = stemmer ? stemCached(stemmer, stems!, tok) : tok;
    const f = prefix + stemmed;
    if (!out.has(f)) out.set(f, at);
    if (opts.prefix > 0 && tok.length > opts.prefix && !(tok.charCodeAt(0) <= 57)) {
      const p = `${prefix}p:${tok.slice(0, opts.prefix)}`;
      if (!out.has(p)) out.set(p, at);
    }
    if (opts.compound > 0 && tok.length >= opts.compound + 6) {
      for (let i = 1; i + opts.compound <= tok.length; i++) {
        const c = `c:${tok.slice(i, i + opts.compound)}`;
        if (!out.has(c)) out.set(c, at);
      }
    }
    // Letter n-grams once per distinct word (presence is binary): only the word is noted here,
    // its n-grams are looked up by the model (cached per word) or listed for training.
    if (opts.charMin > 0 && tok.charCodeAt(0) > 57 && !grams.has(tok)) grams.set(tok, at);
    if (opts.bigrams && previous !== null) {
      const b = `${prefix}b:${previous}_${stemmed}`;
      if (!out.has(b)) out.set(b, at);
    }
    previous = stemmed;
  });
}

/** The word at `at` in the folded text, as written in the original when folding kept lengths. */
export function surfaceAt(original: string, folded: string, at: number): string {
  TOKEN.lastIndex = at;
  const word = TOKEN.exec(folded)?.[0] ?? '';
  // Folding keeps one letter per letter for precomposed text (é → e); "ß" → "ss" or a
  // decomposed input shifts offsets, and then the folded word is shown instead.
  if (original.length !== folded.length) return word;
  const cut = original.slice(at, at + word.length).toLowerCase();
  return fold(cut) === word ? cut : word;
}

/** The index facts of a message as pseudo-words ("#kind:employer", "#form:A1"), in feature order. */
export function indexFacts(ix: IndexRecord): string[] {
  // No language pseudo-word: with a few examples per language the model would learn "Polish →
  // PCN" from the corpus's accidents; the topic words (stemmed per language) carry the meaning.
  const facts = [
    `#kind:${ix.sender.kind}`,
    `#channel:${ix.channel}`,
    ...ix.identifiers.forms.map((f) => `#form:${f.toUpperCase()}`),
    ...ix.attachments.map((a) => `#att:${a.type.split('/')[1] ?? a.type}`),
  ];
  if (ix.thread.inReplyTo) facts.push('#reply');
  if (!ix.textAvailable) facts.push('#notext');
  if (ix.identifiers.nir.length > 0) facts.push('#has:nir');
  if (ix.identifiers.siret.length + ix.identifiers.siren.length > 0) facts.push('#has:siret');
  return facts;
}

export function extractFeatures(ix: IndexRecord, opts: FeatureOptions = WORD_FEATURES, folded?: FoldedTexts): Features {
  const out = new Map<string, number>();
  const grams = new Map<string, number>();
  const lang = ix.language;
  const subject = folded?.subject ?? fold(ix.subject);
  const text = folded?.text ?? fold(ix.text);
  // Offsets: subject words are negative-free in [0, subject.length), text words shifted after.
  const textBase = subject.length + 1;
  addWords(subject, lang, 's:', opts, out, 0, grams);
  addWords(text, lang, '', opts, out, textBase, grams);
  for (const f of indexFacts(ix)) out.set(f, -1);
  // The n-gram names and where each first occurs, built only when asked (training, tests).
  let gramOrigins: Map<string, number> | null = null;
  const allGrams = (): Map<string, number> => {
    if (gramOrigins) return gramOrigins;
    gramOrigins = new Map();
    for (const [word, at] of grams) for (const g of gramsOf(word, opts.charMin, opts.charMax)) if (!gramOrigins.has(g)) gramOrigins.set(g, at);
    return gramOrigins;
  };
  let names: string[] | null = null;
  const originOf = (feature: string): number => (isGram(feature) ? allGrams().get(feature) : out.get(feature)) ?? -1;
  const wordAt = (at: number): string => (at < textBase ? surfaceAt(ix.subject, subject, at) : surfaceAt(ix.text, text, at - textBase));
  return {
    get names() {
      names ??= [...out.keys(), ...allGrams().keys()];
      return names;
    },
    base: { names: [...out.keys()], origins: [...out.values()] },
    gramWords: { words: [...grams.keys()], origins: [...grams.values()] },
    originOf,
    wordAt,
    surfaceOf(feature: string): string {
      const at = originOf(feature);
      return at < 0 ? feature : wordAt(at);
    },
  };
}
