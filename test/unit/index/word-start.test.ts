/**
 * execAtWordStart (word-start.ts) against the plain regexes it replaces: for each body the index
 * stage searches at a word start (case references, sender references, EHIC, the signature hints),
 * every match of `(?<![\p{L}\p{N}])<body>` — position, text, groups, lastIndex after it — must be
 * the same as execAtWordStart's on `<body>`. Texts: the training corpus, and seeded random mixes
 * (a failure reproduces) of the bodies' words with letters, digits, accents, marks, other scripts,
 * astral letters and digits, lone surrogates, and the letters that case-fold to ASCII under iu
 * (ſ, K), glued right before and after the words as often as not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EHIC_BODY } from '../../../src/index/forms';
import { CASE_REF_BODY, SENDER_REF_BODY } from '../../../src/index/refs';
import { hintBody } from '../../../src/index/senders';
import { execAtWordStart, NO_WORD_CHAR_BEFORE, testAtWordStart, wordCharBefore, wordStartRegex } from '../../../src/index/word-start';
import { indexCorpus, listLabelledDirs } from '../../../src/classify/model/corpus';
import { loadSenderDirectory } from '../../../src/index';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse';
import { mulberry32 as prng } from '../../../src/shared/prng';

const root = path.join(__dirname, '../../..');
const sendersYaml = fs.readFileSync(path.join(root, 'config/senders.yaml'), 'utf8');
const hintWords = Object.values((parseYaml(sendersYaml) as { signatureHints: Record<string, string[]> }).signatureHints);

const pickFrom = (rand: () => number) => <T,>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;

interface Case {
  name: string;
  body: string;
  flags: string;
  /** Words of the body, written as mail writes them. */
  words: string[];
}

const CASES: Case[] = [
  {
    name: 'case references',
    body: CASE_REF_BODY,
    flags: 'giu',
    words: [
      'EESSI', 'eessi', 'Eessi', 'case', 'CASE', 'cas', 'dossier', 'Dossier', 'Fall', 'FALL', 'caso', 'sprawa', 'RINA', 'rina', 'ID', 'id', 'number',
      'no.', 'No', 'numéro', 'numero', 'NUMÉRO', 'de', 'Fall-ID', 'FallID', 'Fallnummer', 'Fall-nummer', 'du', 'n°', 'nº', 'nr.', 'Nr', 'FR:', 'de:',
      '123456', '12-34-56', '1234567', '2024-000123', '98765', 'EESSI case 1234567', 'Case ID: 98765432', 'RINA FR:123456789', 'dossier EESSI n° 4455667',
      'Fall-ID 123456', 'Fallnummer: 2024-55', 'caso n. 123456', 'ID du cas 123456', 'numéro de cas 55555', 'case no. 777777', 'EESSI 1234567',
    ],
  },
  {
    name: 'sender references',
    body: SENDER_REF_BODY,
    flags: 'giu',
    words: [
      'vos réf.', 'Vos ref', 'vos références', 'votre référence', 'V/Réf', 'v / ref.', 'N/Réf.', 'n/ref', 'nos réf.', 'notre référence', 'référence', 'Reference',
      'réf.', 'Réf', 'ref.', 'Ref.ª', 'REF', 'your ref.', 'our reference', 'Az.', 'Aktenzeichen', 'Ihr Zeichen', 'unser Zeichen', 'Geschäftszeichen',
      'Rif.', 'riferimento', 'Vs. rif.', 'Ns. rif.', 'Referencia', 'nuestra referencia', 'Referência', 'Nr. ref.', 'Znak sprawy', 'Sygn. akt', 'Nasz znak',
      'Wasz znak', 'Uw kenmerk', 'Ons kenmerk', 'Kenmerk', 'Referința', 'Referinţa', 'referinta', 'Nr. de referință', 'n°', 'No.', 'nr', 'numéro', ':', '#',
      '2024/123', '12 345', 'AB-77', 'x.y', 're', 'f', 'rence',
    ],
  },
  {
    name: 'EHIC',
    body: EHIC_BODY,
    flags: 'giu',
    words: [
      'EHIC', 'ehic', 'CEAM', 'ceam', 'TEAM', 'team', 'Team', 'EKVK', 'EKUZ', 'TSE', 'tse', 'CESD', 'CEASS', 'GHIC', "carte européenne d'assurance maladie",
      'Carte Europeenne d’assurance-maladie', 'european health insurance card', 'Europäische Krankenversicherungskarte', 'europaische krankenversicherungskarte',
      'tarjeta sanitaria europea', 'tessera sanitaria europea', 'cartão europeu de seguro de doença', 'europejska karta ubezpieczenia zdrowotnego',
      'Europejską Kartę Ubezpieczenia Zdrowotnego', 'europese ziekteverzekeringskaart', 'cardul european de asigurări', 'carte', 'european',
    ],
  },
  ...hintWords.map((words, i) => ({
    name: `signature hints ${i + 1}`,
    body: hintBody(words),
    flags: 'iu',
    words: [...words, ...words.map((w) => w.toUpperCase()), ...words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)), ...words.map((w) => w.replace(/ /g, '\n  '))],
  })),
];

/** Noise between and around the words: letters and digits (that must block a match right after
 *  them), accents, marks, other scripts, astral letters/digits/emoji, lone surrogates, ſ K İ ı. */
const NOISE = [
  'x', 'a', 'Z', 'é', 'É', 'ß', 'ł', 'ș', 'ţ', '1', '0', '2024', 'ж', 'Σ', '中', 'ا', '١', 'Ⅻ', '½', '²', 'ª', 'º', '\u0301', 'e\u0301',
  '𝐀', '𝟏', '😀', '\ud800', '\udc00', '\ud835', 'ſ', 'K', 'İ', 'ı', '_', "'", '’', '-', '.', ',', '/', '(', '«', '\u00a0',
];
const GLUE = ['', '', '', ' ', ' ', '\n', '  ', ':', '-', '.', '/'];

/** Every match of a global regex from 0, with the stepping extractCaseRefs & co. use. */
function matches(text: string, re: RegExp, exec: (re: RegExp, text: string) => RegExpExecArray | null): string[] {
  const out: string[] = [];
  re.lastIndex = 0;
  for (let m = exec(re, text); m !== null; m = exec(re, text)) {
    if (m[0] === '') re.lastIndex++;
    out.push(JSON.stringify([m.index, ...m, re.lastIndex]));
  }
  out.push(`end ${re.lastIndex}`);
  return out;
}

const plainExec = (re: RegExp, text: string): RegExpExecArray | null => re.exec(text);

/** Differences between the plain regex and execAtWordStart over texts; counts for non-vacuity:
 *  texts with a match, and texts where a match follows a candidate rejected for the char before. */
function compare(c: Case, texts: Iterable<string>): { differ: string[]; withMatch: number; afterRejected: number } {
  const plain = new RegExp(NO_WORD_CHAR_BEFORE + c.body, c.flags.includes('g') ? c.flags : `${c.flags}g`);
  const fast = wordStartRegex(c.body, c.flags);
  const plainTest = new RegExp(NO_WORD_CHAR_BEFORE + c.body, c.flags.replace('g', ''));
  const differ: string[] = [];
  let withMatch = 0;
  let afterRejected = 0;
  for (const text of texts) {
    const want = matches(text, plain, plainExec);
    const got = matches(text, fast, execAtWordStart);
    if (JSON.stringify(got) !== JSON.stringify(want)) differ.push(`${c.name}: ${JSON.stringify(text)}: ${got.join(' ')} vs ${want.join(' ')}`);
    if (testAtWordStart(fast, text) !== plainTest.test(text)) differ.push(`${c.name} (test): ${JSON.stringify(text)}`);
    if (want.length > 1) {
      withMatch++;
      fast.lastIndex = 0;
      const first = fast.exec(text);
      if (first !== null && wordCharBefore(text, first.index)) afterRejected++;
    }
    if (differ.length >= 10) break;
  }
  return { differ, withMatch, afterRejected };
}

let corpus: string[];
beforeAll(async () => {
  const deps = { limits: DEFAULT_PARSE_LIMITS, senders: loadSenderDirectory(sendersYaml), scannerAddresses: [] };
  const items = await indexCorpus(listLabelledDirs(path.join(root, 'config/training')), deps);
  corpus = items.flatMap(({ index }) => [index.text, `${index.sender.name}\n${index.sender.domain.replace(/[.-]/g, ' ')}\n${index.text.slice(-600)}`]);
});

describe('wordCharBefore is the lookbehind (?<![\\p{L}\\p{N}]) of a u-flag regex', () => {
  /** The lookbehind alone, tried at the text's last position (the Z). */
  const lookbehindAt = /(?<![\p{L}\p{N}])/uy;
  const holds = (text: string, at: number): boolean => {
    lookbehindAt.lastIndex = at;
    return lookbehindAt.test(text);
  };
  it('after every BMP code unit, lone surrogates included, and at the start of a text', () => {
    const differ: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const text = `${String.fromCharCode(c)}Z`;
      if (wordCharBefore(text, 1) === holds(text, 1)) differ.push(c.toString(16));
    }
    expect(wordCharBefore('Z', 0)).toBe(false);
    expect(differ.slice(0, 20)).toEqual([]);
  });

  it('after astral code points (a surrogate pair is read as one), and after broken pairs', () => {
    const differ: string[] = [];
    const ranges = [[0x10000, 0x10fff], [0x16800, 0x16fff], [0x1d400, 0x1d7ff], [0x1f000, 0x1faff], [0x20000, 0x20100], [0xe0000, 0xe0100]];
    let letters = 0;
    for (const [from, to] of ranges) {
      for (let cp = from!; cp <= to!; cp++) {
        const ch = String.fromCodePoint(cp);
        for (const text of [`${ch}Z`, `\ud800${ch}Z`, `${ch[1]}Z`, `${ch[0]}${ch[0]}Z`]) {
          const at = text.length - 1;
          if (wordCharBefore(text, at) === holds(text, at)) differ.push(`${cp.toString(16)} in ${JSON.stringify(text)}`);
        }
        if (wordCharBefore(`${ch}Z`, 2)) letters++;
      }
    }
    expect(differ.slice(0, 20)).toEqual([]);
    expect(letters).toBeGreaterThan(1000); // not vacuous: 𝐀… and CJK extension B are letters
  });
});

describe('execAtWordStart finds what the regex with the lookbehind finds', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s: on the training texts', (_name, c) => {
    expect(corpus.length).toBeGreaterThanOrEqual(2 * 1000);
    const { differ } = compare(c, corpus);
    expect(differ).toEqual([]);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s: on random mixes of its words and noise', (_name, c) => {
    const rand = prng(4111 + c.name.length);
    const pick = pickFrom(rand);
    function* texts(): Generator<string> {
      for (let n = 0; n < 4000; n++) {
        let s = '';
        const len = 1 + Math.floor(rand() * 10);
        for (let i = 0; i < len; i++) s += pick(GLUE) + (rand() < 0.55 ? pick(c.words) : pick(NOISE));
        yield s;
      }
    }
    const { differ, withMatch, afterRejected } = compare(c, texts());
    expect(differ).toEqual([]);
    // Not vacuous: many texts match, and some only after a candidate glued to a letter or digit.
    expect(withMatch).toBeGreaterThan(400);
    expect(afterRejected).toBeGreaterThan(20);
  });
});
