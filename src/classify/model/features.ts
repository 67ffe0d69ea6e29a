/**
 * Message -> model features. Words of subject/body/attachment text, folded, stop words removed,
 * stemmed with natural's stemmer for the message's language; plus index facts (forms, sender
 * kind, language) as pseudo-words. Only natural's individual files are loaded: the package index
 * pulls in ~1,270 modules and dotenv (see STACK-NOTES).
 */
import type { IndexRecord } from '../../index/types';
import { fold } from '../text';

interface Stemmer {
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

function getStopwords(): Set<string> {
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

function getStemmer(lang: string): Stemmer | null {
  if (!stemmers.has(lang)) {
    const file = STEMMER_FILES[lang];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    stemmers.set(lang, file ? (require(`${NATURAL}/${file}`) as Stemmer) : null);
  }
  return stemmers.get(lang) ?? null;
}

export function stem(word: string, lang: string): string {
  const stemmer = getStemmer(lang);
  if (!stemmer) return word;
  let cache = stemCache.get(lang);
  if (!cache) stemCache.set(lang, (cache = new Map()));
  let out = cache.get(word);
  if (out === undefined) {
    // Some stemmers re-accent ("dètach"): fold again so the vocabulary stays accent-free.
    out = fold(stemmer.stem(word));
    if (cache.size >= STEM_CACHE_MAX) cache.clear();
    cache.set(word, out);
  }
  return out;
}

/** Keeps words of 2..30 letters and 3..4-digit numbers (883, 2004, 2011: regulation numbers). */
function keepToken(t: string): boolean {
  if (/^\d+$/.test(t)) return t.length >= 3 && t.length <= 4;
  return t.length >= 2 && t.length <= 30;
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
}

export const WORD_FEATURES: FeatureOptions = { prefix: 0, bigrams: false, compound: 0 };

export interface Features {
  /** Distinct feature names (binary presence). */
  names: string[];
  /** feature -> a word as written in this message (accents kept), to explain a decision. */
  surface: Map<string, string>;
}

const ASCII_WORD = /^[a-z0-9]+$/;
/** Words are cut from the lower-cased text (accents kept for the explanation), then folded. */
const WORD_SPLIT = /[^\p{L}\p{N}]+/u;
const FOLDED_SPLIT = /[^a-z0-9]+/;

/** Adds the word features of one text; `prefix` separates subject words from body words. */
function addWords(text: string, lang: string, prefix: string, opts: FeatureOptions, out: Set<string>, surface: Map<string, string>): void {
  const stop = getStopwords();
  const put = (f: string, word: string) => {
    out.add(f);
    if (!surface.has(f)) surface.set(f, word);
  };
  let previous: string | null = null;
  for (const word of text.slice(0, MAX_MODEL_CHARS).toLowerCase().split(WORD_SPLIT)) {
    if (!word) continue;
    const parts = ASCII_WORD.test(word) ? [word] : fold(word).split(FOLDED_SPLIT);
    for (const tok of parts) {
      if (!keepToken(tok) || stop.has(tok)) continue;
      const stemmed = stem(tok, lang);
      put(prefix + stemmed, word);
      if (opts.prefix > 0 && tok.length > opts.prefix && !/^\d/.test(tok)) put(`${prefix}p:${tok.slice(0, opts.prefix)}`, word);
      if (opts.compound > 0 && tok.length >= opts.compound + 6) {
        for (let i = 1; i + opts.compound <= tok.length; i++) put(`c:${tok.slice(i, i + opts.compound)}`, word);
      }
      if (opts.bigrams && previous !== null) put(`${prefix}b:${previous}_${stemmed}`, `${previous} ${word}`);
      previous = stemmed;
    }
  }
}

export function extractFeatures(ix: IndexRecord, opts: FeatureOptions = WORD_FEATURES): Features {
  const out = new Set<string>();
  const surface = new Map<string, string>();
  const lang = ix.language;
  addWords(ix.subject, lang, 's:', opts, out, surface);
  addWords(ix.text, lang, '', opts, out, surface);
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
  for (const f of facts) {
    out.add(f);
    surface.set(f, f);
  }
  return { names: [...out], surface };
}
