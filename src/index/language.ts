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
import { detectAll as tinyldDetectAll } from 'tinyld/light';

export const LANGUAGES = ['fr', 'de', 'es', 'it', 'en', 'pt', 'pl', 'nl', 'ro'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface LanguageResult {
  language: string; // ISO 639-1 or 'und'
  languages: string[]; // main first
}

/** Frequent function words per language; a word shared by several languages counts for each,
 *  divided by how many share it. */
const FUNCTION_WORDS: Record<Language, string> = {
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

/** Letters that exist in only one or two of our languages. */
const LETTER_HINTS: [RegExp, Language[]][] = [
  [/[łąęśżźćń]/u, ['pl']],
  [/[ășțşţ]/u, ['ro']],
  [/ß/u, ['de']],
  [/ñ/u, ['es']],
  [/[ãõ]/u, ['pt']],
  [/[äöü]/u, ['de']],
  [/[ùœ]/u, ['fr']],
];

const WORD_WEIGHTS: Map<string, [Language, number][]> = (() => {
  const owners = new Map<string, Language[]>();
  for (const lang of LANGUAGES) {
    for (const w of FUNCTION_WORDS[lang].split(' ')) {
      const list = owners.get(w) ?? [];
      if (!list.includes(lang)) list.push(lang);
      owners.set(w, list);
    }
  }
  const weights = new Map<string, [Language, number][]>();
  for (const [w, langs] of owners) weights.set(w, langs.map((l) => [l, 1 / langs.length]));
  return weights;
})();

const NON_LETTERS_RE = /[^\p{L}]+/u;
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

function scoreWords(text: string): Map<Language, number> {
  const scores = new Map<Language, number>();
  const sample = text.slice(0, SCORE_CHARS).toLowerCase();
  for (const word of sample.split(NON_LETTERS_RE)) {
    const hits = WORD_WEIGHTS.get(word);
    if (hits) for (const [lang, w] of hits) scores.set(lang, (scores.get(lang) ?? 0) + w);
  }
  for (const [re, langs] of LETTER_HINTS) {
    if (re.test(sample)) for (const l of langs) scores.set(l, (scores.get(l) ?? 0) + 1.5);
  }
  return scores;
}

function ranked(scores: Map<Language, number>): [Language, number][] {
  return [...scores.entries()].sort((a, b) => b[1] - a[1]);
}

const ONLY: string[] = [...LANGUAGES];

/** Stage 1 verdict, or null when no language clearly leads. */
function clearLeader(scores: Map<Language, number>, minScore: number): Language | null {
  const [first, second] = ranked(scores);
  if (first === undefined || first[1] < minScore || first[1] < MIN_RATIO * (second?.[1] ?? 0)) return null;
  return first[0];
}

/** Stage 1 alone (exported for scripts/measure-language.mjs): a language, or null if unsure. */
export function functionWordLeader(text: string): string | null {
  return clearLeader(scoreWords(text), MIN_SCORE);
}

function mainLanguage(text: string): string {
  const leader = clearLeader(scoreWords(text), MIN_SCORE);
  if (leader !== null) return leader;
  const guesses = tinyldDetectAll(text.slice(0, TINYLD_CHARS), { only: ONLY });
  if (guesses.length > 0 && guesses[0].accuracy > 0) return guesses[0].lang;
  const [first] = ranked(scoreWords(text));
  return first !== undefined && first[1] > 0 ? first[0] : 'und';
}

/** Other languages: those that clearly lead a paragraph of their own (a quoted reply, a
 *  translation below the original). Stage 1 only: bounded and cheap. */
function otherLanguages(text: string, main: string): string[] {
  const others: string[] = [];
  const paragraphs = text.slice(0, PARAGRAPH_CHARS).split(/\n\s*\n/);
  if (paragraphs.length < 2) return others; // one paragraph: its language is the main one
  for (const para of paragraphs) {
    if (para.length < MIN_PARAGRAPH_CHARS) continue;
    const leader = clearLeader(scoreWords(para), MIN_SCORE);
    if (leader !== null && leader !== main && !others.includes(leader)) others.push(leader);
  }
  return others;
}

export function detectLanguage(text: string): LanguageResult {
  const trimmed = text.trim();
  if (trimmed === '') return { language: 'und', languages: [] };
  const main = mainLanguage(trimmed);
  if (main === 'und') return { language: 'und', languages: [] };
  return { language: main, languages: [main, ...otherLanguages(trimmed, main)] };
}
