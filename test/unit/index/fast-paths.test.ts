/**
 * The index stage's fast paths (commit f4ef061) against their slow definitions:
 * - extractSenderRefs skips SENDER_REF_RE when no label word is in the text. Ground truth: the same
 *   function on the text behind "ref_ ", which always passes the pre-check and adds no match
 *   (so SENDER_REF_RE runs over the whole text).
 * - extractCountries cuts tokens in one pass (textTokens). Ground truth: the old tokeniser, NFD,
 *   marks removed, runs of \p{L}\p{N}, each lower-cased.
 * - scoreWords (language.ts) finds words in one pass. Ground truth: its definition, runs of \p{L}
 *   by code point: any run of non-letters between words scores the same.
 * - scoreWords looks words up by a hash of their units, and topTwo ranks without a Map and a sort.
 *   Ground truth: the split / Map / stable sort definition (refStage1), the very float values.
 * - detectLanguage scores the paragraphs of a short text from the scan of the whole. Ground truth:
 *   each paragraph cut by split and scored on its own (stage1Scores), and refDetectLanguage, the
 *   code before this change written with the public pieces.
 * Real texts (config/training) and seeded random ones (a failure reproduces).
 */
import fs from 'node:fs';
import path from 'node:path';
import samples from '../../fixtures/index/language-samples.json';
import { textTokens } from '../../../src/index/countries';
import { detectAll as tinyldDetectAll } from 'tinyld/light';
import { detectLanguage, FUNCTION_WORDS, functionWordLeader, HINT_LETTERS, LANGUAGES, scannedScores, shortText, stage1Scores } from '../../../src/index/language';
import { extractSenderRefs } from '../../../src/index/refs';
import { indexCorpus, listLabelledDirs } from '../../../src/classify/model/corpus';
import { loadSenderDirectory } from '../../../src/index';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse';
import { mulberry32 as prng } from '../../../src/shared/prng';

const root = path.join(__dirname, '../../..');

const pickFrom = (rand: () => number) => <T,>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;

/** Subjects, index texts (subject + body + attachments) and senders of the training messages. */
async function trainingTexts(): Promise<string[]> {
  const deps = { limits: DEFAULT_PARSE_LIMITS, senders: loadSenderDirectory(fs.readFileSync(path.join(root, 'config/senders.yaml'), 'utf8')), scannerAddresses: [] };
  const items = await indexCorpus(listLabelledDirs(path.join(root, 'config/training')), deps);
  return items.flatMap(({ index }) => [index.subject, index.text, `${index.sender.name} ${index.sender.organisation}`]);
}

let corpus: string[];
beforeAll(async () => {
  corpus = await trainingTexts();
});

// ---------------------------------------------------------------------------------- sender refs

/** extractSenderRefs with the full SENDER_REF_RE scan: "ref_" has a label word, so the pre-check
 *  passes; "ref" then "_" is no label followed by a reference, and the space keeps the text's
 *  first character where it was for the lookbehind (no letter or digit before it). */
const fullScanRefs = (text: string): string[] => extractSenderRefs(`ref_ ${text}`);

/** One written form of every label of SENDER_LABELS (refs.ts), accents as the regex allows. */
const LABELS = [
  'vos réf.', 'Vos ref', 'vos références', 'vos reference', 'votre référence', 'Votre reference', 'V/Réf', 'v / ref.', 'N/Réf.', 'n/ref',
  'nos réf.', 'nos références', 'notre référence', 'référence', 'Reference', 'réf.', 'Réf', 'ref.', 'Ref.ª', 'REF',
  'your ref.', 'your reference', 'our ref', 'Our reference', 'Az.', 'Unser Az.', 'Aktenzeichen', 'Ihr Zeichen', 'unser Zeichen',
  'Geschäftszeichen', 'Geschaftszeichen', 'Rif.', 'rif', 'Riferimento', 'Vs. rif.', 'vs rif', 'Ns. rif.', 'Referencia', 'Su referencia',
  'Nuestra referencia', 'Referência', 'referencia', 'Nr. ref.', 'Nr ref', 'Znak sprawy', 'Sygn. akt', 'sygn akt', 'Nasz znak', 'Wasz znak',
  'Uw kenmerk', 'Ons kenmerk', 'Kenmerk', 'Referința', 'Referinţa', 'referinta', 'Nr. de referință', 'nr de referinţa', 'Nr. de referinta',
];
const caseForms = (label: string): string[] => [label, label.toLowerCase(), label.toUpperCase(), label.charAt(0).toUpperCase() + label.slice(1).toLowerCase()];

describe('extractSenderRefs: the label-word pre-check never hides a reference', () => {
  it('the full-scan reference adds nothing of its own and finds what a label introduces', () => {
    expect(extractSenderRefs('ref_ ')).toEqual([]);
    expect(fullScanRefs('x')).toEqual([]);
    expect(fullScanRefs('Réf. : 2024/123')).toEqual(['2024/123']);
    expect(fullScanRefs('2024/123 ref')).toEqual([]);
  });

  it.each(LABELS)('label %s, in every case, is found', (label) => {
    const problems: string[] = [];
    for (const form of caseForms(label)) {
      for (const text of [`${form} : 2024/12345 suite`, `Bonjour,\n${form} n° 2024/12345\nMerci`, `(${form} 2024/12345)`]) {
        const fast = extractSenderRefs(text);
        const full = fullScanRefs(text);
        if (JSON.stringify(fast) !== JSON.stringify(full) || !fast.includes('2024/12345')) problems.push(`${JSON.stringify(text)}: ${JSON.stringify(fast)} vs full scan ${JSON.stringify(full)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the training texts: the same references as the full scan', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(3 * 1000); // three texts for each of the 1,000+ training messages
    const differ: string[] = [];
    let withRefs = 0;
    for (const text of corpus) {
      const fast = extractSenderRefs(text);
      const full = fullScanRefs(text);
      if (full.length > 0) withRefs++;
      if (JSON.stringify(fast) !== JSON.stringify(full)) differ.push(`${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(fast)} vs ${JSON.stringify(full)}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(withRefs).toBeGreaterThan(20);
  });

  it('random texts of label pieces, odd cases and letters that case-fold (ſ, K, İ, ı): the same as the full scan', () => {
    const rand = prng(53);
    const pick = pickFrom(rand);
    const pieces = [
      ...LABELS, ...LABELS.map((l) => l.toUpperCase()), 're', 'ré', 'RÉ', 'f', 'f.', 'F', 'ference', 'rence', 'az', 'AZ', 'az.', 'Az:', 'zeichen',
      'ZEICHEN', 'akten', 'znak', 'ZNAK', 'sygn', 'SYGN.', 'kenmerk', 'KENMERK', 'ri', 'rif', 'RIF', 'ſ', 'K', 'İ', 'ı', 'ª', 'º', 'n°', 'No.', 'nr',
      'numéro', '2024/123', '12 345', 'AB-77', '1 85 05 78 006 084 91', 'ţ', 'ț', 'ă', 'é', 'e\u0301', 'x', 'mot', 'Dossier', '😀', '\ud800',
    ];
    const glue = [' ', '', ':', ' : ', '\n', '.', '#', '-', '/', '_', '  ', '\u00a0', 'é', '1'];
    const differ: string[] = [];
    let found = 0;
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const len = 1 + Math.floor(rand() * 8);
      for (let i = 0; i < len; i++) text += pick(glue) + pick(pieces);
      const fast = extractSenderRefs(text);
      const full = fullScanRefs(text);
      if (full.length > 0) found++;
      if (JSON.stringify(fast) !== JSON.stringify(full)) differ.push(`${JSON.stringify(text)}: ${JSON.stringify(fast)} vs ${JSON.stringify(full)}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
    expect(found).toBeGreaterThan(500);
  });
});

// ------------------------------------------------------------------------------ country tokens

/** The tokeniser before f4ef061 (countries.ts tokens() then toLowerCase per token). */
function oldTokens(text: string): { words: string[]; lower: string[] } {
  const words = text.normalize('NFD').replace(/\p{M}+/gu, '').match(/[\p{L}\p{N}]+/gu) ?? [];
  return { words, lower: words.map((w) => w.toLowerCase()) };
}

function tokenDiffs(texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const got = textTokens(text);
    const want = oldTokens(text);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      out.push(`${JSON.stringify(text.slice(0, 60))} (${[...text.slice(0, 12)].map((c) => c.codePointAt(0)!.toString(16)).join(' ')}): ${JSON.stringify(got).slice(0, 200)} vs ${JSON.stringify(want).slice(0, 200)}`);
      if (out.length >= 10) break;
    }
  }
  return out;
}

describe('textTokens (countries.ts) is the old tokeniser', () => {
  it('on the training texts', () => {
    expect(tokenDiffs(corpus)).toEqual([]);
  });

  it('on every BMP character (lone surrogates included), in a few neighbourhoods', () => {
    function* texts(): Generator<string> {
      for (let c = 0; c < 0x10000; c++) {
        const ch = String.fromCharCode(c);
        yield ch;
        yield `a${ch}b`;
        yield `Σ${ch}Σ \u0301${ch}\u0301İ1`;
        yield `ΟΔΟΣ${ch}`;
      }
    }
    expect(tokenDiffs(texts())).toEqual([]);
  });

  it('on random strings of a mixed alphabet (accents, marks, Greek Σσς, İı, ßẞ, ț ş ł, emoji, lone surrogates)', () => {
    const rand = prng(2026);
    const pick = pickFrom(rand);
    const alphabet = [
      ...'abcxyzABCXYZ0123456789', ...'àéèêëïîôöüûùçñãõåÀÉÈÊËÏÎÔÖÜÛÙÇÑÃÕÅ', ...'ąęłńśźżĄĘŁŃŚŹŻășşțţĂȘŞȚŢčřžőű',
      ...'\u0300\u0301\u0302\u0303\u0308\u0326\u0327\u0328\u030c\u036f', ...'ΑΒΓΣσςΟΔΛαβγοδλ', 'İ', 'ı', 'I', 'i', 'ß', 'ẞ', 'ǅ', 'ǈ', 'ﬁ', 'Å', 'K',
      ...' \n\t.,;:!?\'’"-—/()«»_@#', '\u00a0', '😀', '𝐀', '𝟏', '\ud83d', '\ude00', '\ud800', '\udfff', '१', '٣', 'Ⅻ', 'ⅻ', 'ª', 'º', '²', '½',
    ];
    const marks = [...'\u0300\u0301\u0308\u0327\u036f'];
    function* texts(): Generator<string> {
      for (let n = 0; n < 6000; n++) {
        let s = '';
        const len = Math.floor(rand() * 40);
        for (let i = 0; i < len; i++) {
          const r = rand();
          // Marks alone, after spaces and digits, and in runs, as well as after letters.
          s += r < 0.1 ? pick([' ', '1', '', '-']) + pick(marks) : r < 0.15 ? pick(marks) + pick(marks) : pick(alphabet);
        }
        yield s;
        // Most real texts have no surrogates: the one-pass path. Half the strings without them.
        yield s.replace(/[\ud800-\udfff]/g, ' ');
      }
    }
    expect(tokenDiffs(texts())).toEqual([]);
  });
});

// -------------------------------------------------------------------------------- language words

describe('functionWordLeader (language.ts): words are the runs of letters, by code point', () => {
  const texts = Object.values(samples as Record<string, string[]>).flatMap((list) => [list.slice(0, 8).join(' '), list.slice(8, 16).join(' '), ...list.slice(0, 5)]);

  it('any run of non-letters between words scores the same as a space (digits, apostrophes, hyphens, marks, emoji, lone surrogates)', () => {
    const rand = prng(7);
    const pick = pickFrom(rand);
    const separators = [' ', '  ', '\n\n', "'", '’', '-', ' - ', '1', '2024', '.', ', ', '😀', '\ud800', ' \udc00', '\u0301', ' \u0301', '_', '\u00a0', '१', '½', '«', '\ud83d '];
    const differ: string[] = [];
    for (const text of texts) {
      const want = functionWordLeader(text);
      for (let n = 0; n < 10; n++) {
        const noisy = text.replace(/ /g, () => pick(separators) + (rand() < 0.3 ? pick(separators) : ''));
        const got = functionWordLeader(noisy);
        if (got !== want) differ.push(`${JSON.stringify(noisy.slice(0, 80))}: ${got} vs ${want}`);
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
    // Not vacuous: most samples have a clear leader.
    expect(texts.filter((t) => functionWordLeader(t) !== null).length).toBeGreaterThan(texts.length / 2);
  });

  it('a letter of any script (astral included) glued to each word spoils it as an ASCII letter does', () => {
    const differ: string[] = [];
    for (const text of texts) {
      const want = functionWordLeader(text.replace(/(\p{L}+)/gu, 'x$1'));
      // Not İ: it lower-cases to i and a combining dot, which is no letter and ends the word.
      for (const glue of ['𝐀', 'ж', 'Σ', 'ı', '中', 'ǅ']) {
        const got = functionWordLeader(text.replace(/(\p{L}+)/gu, `${glue}$1`));
        if (got !== want) differ.push(`glue ${glue} on ${JSON.stringify(text.slice(0, 60))}: ${got} vs ${want}`);
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
  });
});

// ------------------------------------------------------------------------- language scores, ranking

/** Stage 1 by its definition: split into runs of letters, each function word adds 1/owners to each
 *  owner (LANGUAGES order) in text order, then 1.5 per hint letter group present, in a Map (first-
 *  scored order); ranking: a stable sort by decreasing score. */
function refStage1(text: string): { scores: [string, number][]; top: (string | null)[] } {
  const owners = new Map<string, string[]>();
  for (const lang of LANGUAGES) {
    for (const w of FUNCTION_WORDS[lang].split(' ')) if (!(owners.get(w) ?? []).includes(lang)) owners.set(w, [...(owners.get(w) ?? []), lang]);
  }
  const sample = text.slice(0, 1500).toLowerCase();
  const scores = new Map<string, number>();
  for (const word of sample.split(/[^\p{L}]+/u)) {
    const langs = owners.get(word);
    if (langs !== undefined) for (const l of langs) scores.set(l, (scores.get(l) ?? 0) + 1 / langs.length);
  }
  for (const [letters, langs] of HINT_LETTERS) {
    if ([...letters].some((c) => sample.includes(c))) for (const l of langs) scores.set(l, (scores.get(l) ?? 0) + 1.5);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  return { scores: [...scores.entries()], top: [ranked[0]?.[0] ?? null, ranked[1]?.[0] ?? null] };
}

describe('stage 1 scores (language.ts): hashed word lookup and topTwo are the split / Map / sort definition', () => {
  function stage1Diffs(texts: Iterable<string>): { differ: string[]; ties: number } {
    const differ: string[] = [];
    let ties = 0;
    for (const text of texts) {
      const got = stage1Scores(text);
      const want = refStage1(text);
      if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${JSON.stringify(text.slice(0, 80))}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      const values = want.scores.map(([, v]) => v).sort((a, b) => b - a);
      if (values.length > 1 && values[0] === values[1]) ties++;
      if (differ.length >= 10) break;
    }
    return { differ, ties };
  }

  it('on the training texts and the language samples', () => {
    const samplesTexts = Object.values(samples as Record<string, string[]>).flat();
    expect(stage1Diffs([...corpus, ...samplesTexts]).differ).toEqual([]);
  });

  it('on random texts of function words (shared ones: ties), near-misses, hint letters, other scripts and astral letters', () => {
    const rand = prng(99);
    const pick = pickFrom(rand);
    const words = [...new Set(Object.values(FUNCTION_WORDS).flatMap((l) => l.split(' ')))];
    const near = ['dee', 'th', 'thee', 'lesx', 'xde', 'die\u0301', 'Die', 'DER', 'İl', 'ıl', 'ǅe', 'Στο', 'ΟΔΟΣ', 'dzień', 'pôr', 'été', 'ete', 'über', 'uber'];
    const noise = [' ', ' ', ' ', '\n', '\n\n', ', ', '. ', "'", '’', '-', '1', '2024', '😀', '\ud800', '\u0301', 'ł', 'ș', 'ß', 'ñ', 'ã', 'ö', 'œ', 'ж', '中', '𝐀', '\u00a0'];
    function* texts(): Generator<string> {
      for (let n = 0; n < 6000; n++) {
        let s = '';
        const len = 1 + Math.floor(rand() * 30);
        for (let i = 0; i < len; i++) s += (rand() < 0.75 ? pick(words) : pick(near)) + pick(noise);
        // Now and then past the 1,500 scored chars, so that a word is cut at the limit.
        yield rand() < 0.05 ? `${'x '.repeat(740 + Math.floor(rand() * 20))}${s}` : s;
      }
    }
    const { differ, ties } = stage1Diffs(texts());
    expect(differ).toEqual([]);
    expect(ties).toBeGreaterThan(300); // not vacuous: the first two tie often, and their order counts
  });

  it('functionWordLeader is clearLeader of the definition', () => {
    const rand = prng(5);
    const pick = pickFrom(rand);
    const all = Object.values(samples as Record<string, string[]>).flat();
    const differ: string[] = [];
    for (let n = 0; n < 3000; n++) {
      const text = `${pick(all)} ${pick(all).slice(0, Math.floor(rand() * 60))}`;
      const { scores, top } = refStage1(text);
      const value = (l: string | null): number => (l === null ? 0 : scores.find(([k]) => k === l)![1]);
      const want = top[0] === null || value(top[0]) < 2 || value(top[0]) < 2 * value(top[1]) ? null : top[0];
      if (functionWordLeader(text) !== want) differ.push(`${JSON.stringify(text)}: ${functionWordLeader(text)} vs ${want}`);
    }
    expect(differ.slice(0, 10)).toEqual([]);
  });
});

// ------------------------------------------------------------- paragraphs from one scan of the text

/** detectLanguage as it was before the paragraphs were scored from one scan: the main language from
 *  the text's own stage-1 scores (else tinyld, else the leader), the others from each paragraph
 *  cut by split and scored on its own. */
function refDetectLanguage(text: string): { language: string; languages: string[] } {
  const trimmed = text.trim();
  if (trimmed === '') return { language: 'und', languages: [] };
  const { scores, top } = stage1Scores(trimmed);
  const value = (l: string | null): number => (l === null ? 0 : scores.find(([k]) => k === l)![1]);
  let main: string;
  if (top[0] !== null && value(top[0]) >= 2 && value(top[0]) >= 2 * value(top[1])) main = top[0];
  else {
    const guesses = tinyldDetectAll(trimmed.slice(0, 600), { only: [...LANGUAGES] });
    main = guesses.length > 0 && guesses[0]!.accuracy > 0 ? guesses[0]!.lang : top[0] !== null && value(top[0]) > 0 ? top[0] : 'und';
  }
  if (main === 'und') return { language: 'und', languages: [] };
  const others: string[] = [];
  const paragraphs = trimmed.slice(0, 4000).split(/\n\s*\n/);
  if (paragraphs.length >= 2) {
    for (const para of paragraphs) {
      if (para.length < 40) continue;
      const leader = functionWordLeader(para);
      if (leader !== null && leader !== main && !others.includes(leader)) others.push(leader);
    }
  }
  return { language: main, languages: [main, ...others] };
}

describe('detectLanguage: the paragraphs of a short text scored from one scan of the whole', () => {
  const bySample = samples as Record<string, string[]>;
  /** Paragraph breaks as /\n\s*\n/ sees them (all \s: no-break space, BOM, line separators…), and
   *  near-misses that are no break. */
  const breaks = ['\n\n', '\n \n', '\n\t\n', '\r\n\r\n', '\n\u00a0\n', '\n\ufeff\n', '\n\u2028\n', '\n\n\n\n', ' \n\n ', '\n', ' ', '\n-\n', '\n.\n'];
  const noise = ['', '', '', ' 😀', ' 𝐀𝐁', ' ł', ' ß', ' ñ', ' 2024', ' Ιωάννης', ' ΟΔΟΣ', ' İstanbul', ' ж', '\u0301'];

  function* texts(seed: number, n: number): Generator<string> {
    const rand = prng(seed);
    const pick = pickFrom(rand);
    const langs = Object.keys(bySample);
    for (let k = 0; k < n; k++) {
      const paras: string[] = [];
      const count = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < count; i++) {
        const list = bySample[pick(langs)]!;
        // Short (under the 40 chars of a paragraph that counts) to long.
        let para = '';
        const sentences = Math.floor(rand() * 4);
        for (let j = 0; j <= sentences; j++) para += `${j > 0 ? ' ' : ''}${pick(list)}${pick(noise)}`;
        paras.push(rand() < 0.2 ? para.slice(0, 20 + Math.floor(rand() * 30)) : para);
      }
      let text = paras[0]!;
      for (let i = 1; i < paras.length; i++) text += pick(breaks) + paras[i];
      // Around the 1,500 chars scored: the one-scan path stops there.
      yield rand() < 0.15 ? `${text} ${pick(bySample.en!)}`.repeat(1 + Math.floor(rand() * 6)) : text;
    }
  }

  it('each paragraph has the scores it has on its own', () => {
    const differ: string[] = [];
    let scanned = 0;
    for (const text of [...texts(11, 2000), ...corpus]) {
      const trimmed = text.trim();
      if (!shortText(trimmed)) continue;
      scanned++;
      const re = /\n\s*\n/g;
      let from = 0;
      for (const m of [...trimmed.matchAll(re), null]) {
        const to = m === null ? trimmed.length : m.index;
        const got = JSON.stringify(scannedScores(trimmed, from, to));
        const want = JSON.stringify(stage1Scores(trimmed.slice(from, to)).scores);
        if (got !== want) differ.push(`${JSON.stringify(trimmed.slice(from, to).slice(0, 60))}: ${got} vs ${want}`);
        if (m !== null) from = m.index + m[0].length;
      }
      if (differ.length >= 10) break;
    }
    expect(differ).toEqual([]);
    expect(scanned).toBeGreaterThan(1500);
  });

  it('the same result as scoring each paragraph on its own, on random multilingual texts and the training texts', () => {
    const differ: string[] = [];
    let several = 0;
    let long = 0;
    for (const text of [...texts(12, 3000), ...corpus]) {
      const got = detectLanguage(text);
      const want = refDetectLanguage(text);
      if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${JSON.stringify(text.slice(0, 100))}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      if (want.languages.length > 1 && shortText(text.trim())) several++;
      if (!shortText(text.trim())) long++;
      if (differ.length >= 10) break;
    }
    expect(differ).toEqual([]);
    // Not vacuous: many short texts have other languages, and the other path is taken too.
    expect(several).toBeGreaterThan(300);
    expect(long).toBeGreaterThan(100);
  });
});
