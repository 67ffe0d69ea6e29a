/**
 * KeywordFilter (src/classify/text.ts) rules a keyword regex out of a message from the message's
 * words. It must never rule out a regex that matches: the ground truth here is always the regex
 * itself (`re.test(folded)`), run over the real keyword lists of config/rules.yaml, the real
 * training messages and synthetic texts built around every keyword. The filter must also filter
 * (else the tests could not fail the other way round, and the speed-up would be gone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { evaluateRules, type RulesOutcome } from '../../../src/classify/rules/engine';
import { withDigraphs } from '../../../src/classify/rules/compile';
import { loadRules } from '../../../src/classify/rules/load';
import { buildView, type MessageView } from '../../../src/classify/rules/view';
import { compileKeywordSearch, fold, KeywordFilter, latin1Projection, type KeywordSearch } from '../../../src/classify/text';
import { indexCorpus, listLabelledDirs } from '../../../src/classify/model/corpus';
import { loadSenderDirectory } from '../../../src/index';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse';
import { mulberry32 as prng } from '../../../src/shared/prng';

const root = path.join(__dirname, '../../..');
const RULES_FILE = path.join(root, 'config/rules.yaml');
const TEXT_FIELDS = ['subject', 'text', 'attachmentNames', 'sender'] as const;
const YAML_FIELDS = new Set(['subject', 'text', 'attachmentName', 'sender']);

/** Every `keywords` list of the rules file, flattened over its languages as compile.ts does. */
function keywordLists(): string[][] {
  const out: string[][] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      const kw = (value as { keywords?: unknown } | null)?.keywords;
      if (YAML_FIELDS.has(key) && kw !== undefined) {
        out.push(Array.isArray(kw) ? (kw as string[]) : Object.values(kw as Record<string, string[]>).flat());
      }
      walk(value);
    }
  };
  walk(parseYaml(fs.readFileSync(RULES_FILE, 'utf8')));
  return out;
}

interface Registered {
  label: string;
  search: KeywordSearch;
  id: number;
}

function register(filter: KeywordFilter, label: string, keywords: string[]): Registered {
  const search = compileKeywordSearch(keywords);
  if (search === null) throw new Error(`no regex for ${label}`);
  return { label, search, id: filter.add(search) };
}

/** The property: a regex that matches is never ruled out. Returns the violations. */
function missed(filter: KeywordFilter, searches: Registered[], folded: string): string[] {
  const words = filter.wordsIn(folded);
  const out: string[] = [];
  for (const s of searches) {
    if (s.search.re.test(folded) && !filter.mayMatch(s.id, words, folded)) out.push(`${s.label} ruled out of ${JSON.stringify(folded.slice(0, 120))}`);
  }
  return out;
}

const LISTS = keywordLists().map((words) => withDigraphs(words));
/** Every keyword compiled, each on its own: a list can hide a keyword's miss behind another's hit. */
const KEYWORDS = [...new Set(LISTS.flat())];

const listFilter = new KeywordFilter();
const listSearches = LISTS.map((words, i) => register(listFilter, `list #${i} (${words.slice(0, 3).join(', ')}…)`, words));
const keywordFilter = new KeywordFilter();
const keywordSearches = new Map(KEYWORDS.map((k) => [k, register(keywordFilter, `keyword «${k}»`, [k])]));
const keywordsOfList = LISTS.map((words) => [...new Set(words)].map((k) => keywordSearches.get(k)!));

/** The folded fields of every training message, as the rule engine sees them (buildView). */
async function trainingViews(): Promise<MessageView[]> {
  const deps = { limits: DEFAULT_PARSE_LIMITS, senders: loadSenderDirectory(fs.readFileSync(path.join(root, 'config/senders.yaml'), 'utf8')), scannerAddresses: [] };
  const items = await indexCorpus(listLabelledDirs(path.join(root, 'config/training')), deps);
  return items.map(({ index, receivedAt }) => buildView({ index, receivedAt }));
}

/** Separators between a keyword's words: 1-4 spaces/punctuation (and 5, which the regex refuses). */
const SEPARATORS = [' ', '  ', '\n', '\t', '-', ' - ', '.', '. ', ', ', "'", '’', '/', ' / ', '_', '(', '...', ' \t\n ', '    ', '     ', '—', '\u00a0'];
/** Left and right neighbours, before folding (so "é" and "ß" arrive folded). */
const CONTEXTS: [string, string][] = [
  ['', ''], [' ', ' '], ['x', ''], ['', 'x'], ['1', ''], ['', '2'], ['2024 ', ' 2025'], ['_', '_'], ['_', ''], ['', '_'],
  ["l'", ''], ['', "'s"], ['l’', '’s'], ['-', '-'], ['é', ''], ['', 'é'], ['', 'ß'], ['Ü', 'ü'], ['« ', ' »'], ['(', ')'],
  ['\n', '.'], ['bonjour ', ' merci'], ['ab-', '-cd'], ['«\u00a0', '\u00a0»'], ['12/', '/34'], ['aé', 'éa'],
];
/** Letters and digits after a prefix keyword ("tradu*" → "traductions"). */
const PREFIX_TAILS = ['', 's', 'ction', 'ctions', 'x2', '_b', "'", 'é', 'çao'];

/** Texts containing keyword `k` (raw, as in the YAML) in many shapes, folded. */
function synthetic(k: string, rand: () => number): string[] {
  const fk = fold(k).trim();
  const prefix = fk.endsWith('*');
  const parts = (prefix ? fk.slice(0, -1) : fk).split(/\s+/);
  const bodies = new Set<string>();
  for (const sep of SEPARATORS) for (const tail of prefix ? PREFIX_TAILS : ['']) bodies.add(parts.join(sep) + tail);
  // A different separator in each gap.
  for (let n = 0; n < 8; n++) {
    bodies.add(parts.map((p, i) => (i === 0 ? p : SEPARATORS[Math.floor(rand() * SEPARATORS.length)]! + p)).join('') + (prefix ? PREFIX_TAILS[n % PREFIX_TAILS.length]! : ''));
  }
  // As written in the YAML, and in capitals (fold must bring both back to the keyword).
  const core = prefix ? k.trim().slice(0, -1) : k.trim();
  bodies.add(core);
  bodies.add(core.toUpperCase());
  const out: string[] = [];
  for (const body of bodies) for (const [left, right] of CONTEXTS) out.push(fold(`${left}${body}${right}`));
  return out;
}

describe('KeywordFilter on the keyword lists of config/rules.yaml', () => {
  it('reads the lists and compiles every keyword', () => {
    expect(LISTS.length).toBeGreaterThanOrEqual(30);
    expect(KEYWORDS.length).toBeGreaterThanOrEqual(500);
    // withDigraphs is in the path: the umlauted keywords come with their digraph spelling.
    expect(KEYWORDS).toContain('übersetzung');
    expect(KEYWORDS).toContain('uebersetzung');
  });

  it('every keyword matches its own plain text (the synthetic texts below do exercise matches)', () => {
    const noMatch = KEYWORDS.filter((k) => {
      const fk = fold(k).trim();
      return !keywordSearches.get(k)!.search.re.test(` ${fk.endsWith('*') ? fk.slice(0, -1) : fk} `);
    });
    expect(noMatch).toEqual([]);
  });

  it('never rules out a keyword regex that matches a synthetic text built from the keyword', () => {
    const rand = prng(20261127);
    const listsOf = new Map<string, Registered[]>();
    LISTS.forEach((words, i) => {
      for (const k of words) listsOf.set(k, [...(listsOf.get(k) ?? []), listSearches[i]!]);
    });
    const violations: string[] = [];
    let texts = 0;
    let matches = 0;
    for (const k of KEYWORDS) {
      const own = keywordSearches.get(k)!;
      const checked = [own, ...listsOf.get(k)!];
      for (const t of synthetic(k, rand)) {
        texts++;
        if (own.search.re.test(t)) matches++;
        violations.push(...missed(keywordFilter, [own], t), ...missed(listFilter, checked.slice(1), t));
      }
      // The plain text of each keyword against every list (keywords shared across lists).
      violations.push(...missed(listFilter, listSearches, fold(` ${k.replace(/\*$/, 'ion')} `)));
    }
    expect(violations.slice(0, 20)).toEqual([]);
    expect(texts).toBeGreaterThan(50_000);
    // Most shapes are real matches (the others: 5-char separators, letters or digits glued on).
    expect(matches / texts).toBeGreaterThan(0.3);
  });

  it('every list finds, in the Latin-1 projection of a text, a match at the same offset and of the same length (compile.ts runs them there)', () => {
    // Separators and neighbours outside Latin-1 (dashes, euro, Greek, an emoji's two halves) around
    // and inside each keyword: the projection turns each into a space.
    const OTHER = ['–', '—', '€', 'σ', '😀', ' – ', '–—'];
    const rand = prng(1127);
    expect(listSearches.every((s) => s.search.latin1)).toBe(true);
    const differ: string[] = [];
    let texts = 0;
    let matches = 0;
    for (const [i, words] of LISTS.entries()) {
      const re = listSearches[i]!.search.re;
      for (const k of words) {
        const parts = fold(k).trim().replace(/\*$/, 'ion').split(/\s+/);
        for (let n = 0; n < 6; n++) {
          const pick = () => OTHER[Math.floor(rand() * OTHER.length)]!;
          const body = parts.map((p, j) => (j === 0 ? p : (rand() < 0.5 ? pick() : ' ') + p)).join('');
          const t = fold(`${rand() < 0.5 ? pick() : ''}${body}${rand() < 0.5 ? pick() : ''}`);
          const a = re.exec(t);
          const b = re.exec(latin1Projection(t));
          texts++;
          if (a) matches++;
          if (JSON.stringify(a && [a.index, a[0].length]) !== JSON.stringify(b && [b.index, b[0].length])) differ.push(`list #${i} on ${JSON.stringify(t)}`);
        }
      }
    }
    expect(differ.slice(0, 20)).toEqual([]);
    expect(texts).toBeGreaterThan(3000);
    expect(matches / texts).toBeGreaterThan(0.5);
  });

  it('filters: a text with every word of the keyword spoilt ("qwordq") is ruled out', () => {
    // Each part wrapped in "q…q": no part nor leading run of a part is a word of the text any
    // more, and for a prefix keyword the prefix is cut short. The regex cannot match such a text,
    // and the filter should see it; a keyword none of whose parts starts with [a-z0-9] cannot be
    // filtered by words, and is left out.
    const notFiltered: string[] = [];
    let tried = 0;
    for (const k of KEYWORDS) {
      const fk = fold(k).trim();
      const prefix = fk.endsWith('*');
      const parts = (prefix ? fk.slice(0, -1) : fk).split(/\s+/);
      if (!parts.some((p) => /^[a-z0-9]/.test(p))) continue;
      const spoilt = parts.map((p, i) => (prefix && i === parts.length - 1 ? `q${p.slice(0, -1)}` : `q${p}q`)).join(' ');
      const s = keywordSearches.get(k)!;
      if (s.search.re.test(spoilt)) continue; // cannot happen; then nothing to require
      tried++;
      if (keywordFilter.mayMatch(s.id, keywordFilter.wordsIn(spoilt), spoilt)) notFiltered.push(`«${k}» → ${spoilt}`);
    }
    expect(tried).toBeGreaterThan(KEYWORDS.length * 0.9);
    expect(notFiltered).toEqual([]);
  });

  it('filters: a neutral text rules out every list', () => {
    const neutral = fold('Lorem ipsum dolor sit amet 12345, zzz qqq.');
    const words = listFilter.wordsIn(neutral);
    const kept = listSearches.filter((s) => !s.search.re.test(neutral) && listFilter.mayMatch(s.id, words, neutral)).map((s) => s.label);
    expect(kept).toEqual([]);
  });

  describe('on the training messages', () => {
    let views: MessageView[];
    beforeAll(async () => {
      views = await trainingViews();
    });

    it('never rules out a list, nor any keyword of it, that matches a folded field', () => {
      expect(views.length).toBeGreaterThanOrEqual(1000);
      const violations: string[] = [];
      let pairs = 0;
      let ruledOut = 0;
      let listMatches = 0;
      let keywordMatches = 0;
      for (const v of views) {
        for (const field of TEXT_FIELDS) {
          const folded = v[field];
          const words = listFilter.wordsIn(folded);
          const keywordWords = keywordFilter.wordsIn(folded);
          listSearches.forEach((s, i) => {
            pairs++;
            const may = listFilter.mayMatch(s.id, words, folded);
            if (!may) ruledOut++;
            if (!s.search.re.test(folded)) return;
            listMatches++;
            if (!may) violations.push(`${s.label} ruled out of ${field} of «${v.original.subject}»`);
            // Each keyword of a matching list on its own (a sibling's word must not hide a miss).
            for (const k of keywordsOfList[i]!) {
              if (!k.search.re.test(folded)) continue;
              keywordMatches++;
              if (!keywordFilter.mayMatch(k.id, keywordWords, folded)) violations.push(`${k.label} ruled out of ${field} of «${v.original.subject}»`);
            }
          });
        }
      }
      expect(violations.slice(0, 20)).toEqual([]);
      // The corpus does exercise matches, and the filter does filter (measured: ~94 % of (list, field) pairs ruled out).
      expect(listMatches).toBeGreaterThan(500);
      expect(keywordMatches).toBeGreaterThan(listMatches);
      expect(ruledOut / pairs).toBeGreaterThan(0.6);
    });

    it('the rule engine fires the same rules with the same evidence with the filter bypassed', () => {
      const rules = loadRules([RULES_FILE]);
      const summary = (o: RulesOutcome): string[] => [...o.fired, ...o.shadow].map((f) => `${f.rule.name}: ${f.evidence.join(' | ')}`);
      const differ: string[] = [];
      let fired = 0;
      for (const v of views) {
        const fast = summary(evaluateRules(rules, { ...v, memo: new Map(), keywordWords: new Map() }));
        // An empty words array: every search id is past its end, so KeywordFilter.mayMatch says
        // yes and every regex runs (the path before the filter).
        const slow = summary(evaluateRules(rules, { ...v, memo: new Map(), keywordWords: new Map(TEXT_FIELDS.map((f) => [f, new Uint8Array(0)])) }));
        fired += slow.length;
        if (JSON.stringify(fast) !== JSON.stringify(slow)) differ.push(`«${v.original.subject}»: ${JSON.stringify(fast)} vs ${JSON.stringify(slow)}`);
      }
      expect(differ.slice(0, 10)).toEqual([]);
      expect(fired).toBeGreaterThan(200);
    });

    it('the rule engine agrees with the filter bypassed on a message made of each keyword', () => {
      const rules = loadRules([RULES_FILE]);
      const summary = (o: RulesOutcome): string[] => [...o.fired, ...o.shadow].map((f) => `${f.rule.name}: ${f.evidence.join(' | ')}`);
      const base = views[0]!;
      const differ: string[] = [];
      for (const k of KEYWORDS) {
        const raw = `Objet: ${k.replace(/\*$/, 'ions')} — l'${k.replace(/\*$/, '')}`;
        const folded = fold(raw);
        const v: MessageView = { ...base, subject: folded, text: folded, sender: folded, attachmentNames: folded, bodyChars: 100, original: { subject: raw, text: raw, sender: raw, attachmentNames: raw } };
        const fast = summary(evaluateRules(rules, { ...v, memo: new Map(), keywordWords: new Map() }));
        const slow = summary(evaluateRules(rules, { ...v, memo: new Map(), keywordWords: new Map(TEXT_FIELDS.map((f) => [f, new Uint8Array(0)])) }));
        if (JSON.stringify(fast) !== JSON.stringify(slow)) differ.push(`«${k}»: ${JSON.stringify(fast)} vs ${JSON.stringify(slow)}`);
      }
      expect(differ.slice(0, 10)).toEqual([]);
    });
  });
});

describe('KeywordFilter edge cases of the required word', () => {
  const filter = new KeywordFilter();
  /** Texts around which each keyword is put (before folding). */
  const around = (body: string): string[] =>
    CONTEXTS.flatMap(([l, r]) => [`${l}${body}${r}`, `Texte : ${l}${body}${r} fin`]).map(fold);

  it.each<[string, string[], string[], string[]]>([
    // [label, keywords, texts where it matches, texts that lack every word it needs]
    ["apostrophe inside a part", ["offre d'emploi"], ["offre d'emploi", "OFFRE D’EMPLOI", "offres : offre - d'emploi"], ['offres demplois', 'offer']],
    ['apostrophe, keyword of one part', ["d'emploi"], ["demande d'emploi", "D’EMPLOI", "x d'emploi."], ['demploi', "qd'emploi"]],
    ['hyphen inside a part', ['back-office'], ['the back-office team', 'BACK-OFFICE', '(back-office)'], ['backoffice', 'backoffices', 'aback-office']],
    ['hyphenated word, one-letter run', ['e-mail'], ['votre e-mail', 'E-MAIL:', 'ré e-mail'], ['email', 'mail', 'be-mail']],
    ['hyphenated prefix keyword', ['e-mail*'], ['e-mails', 'E-MAILING', 'e-mail'], ['email', 'the-mails']],
    ['all-digit word', ['2011'], ['directive 2011/24', '(2011)', 'en 2011.'], ['20111', 'a2011', '2012']],
    ['all-digit words and slash', ['directive 2011/24', 'richtlinie 2011/24'], ['directive 2011/24/UE', 'Directive   2011/24', 'la directive - 2011/24', 'RICHTLINIE 2011/24'], ['directives 2011/24', 'direct 2011/24']],
    ['digits then letters', ['24 monate', 'a1'], ['über 24 Monate', 'certificat A1', 'A1-Bescheinigung', '24. monate'], ['24monate', 'a12', '124 monaten']],
    ['regulation number in a phrase', ['16 der verordnung 987/2009'], ['Artikel 16 der Verordnung 987/2009', '16 der Verordnung, 987/2009.'], ['16der verordnungen 9872009']],
    ['prefix keyword of one part', ['tradu*'], ['traduction', 'TRADUCTIONS', 'traduire', 'tradu', 'la tradu_x', 'tradu2'], ['trad', 'tra-du', 'rétro-trad']],
    ['prefix keyword of several words', ['demande de tradu*', 'normzeile*'], ['demande de traduction', 'DEMANDE DE TRADUIRE', 'demande - de traductions', 'normzeilen'], ['demander du traduction', 'normzeil']],
    ['prefix part the only pure part', ["l'tradu*", "d'une tradu*"], ["l'traduction", "L’TRADUCTEUR", "d'une traduction"], ['traduction', 'ltraduction', 'une traduction']],
    ['parenthesis inside a part', ['absent(e)', 'absent(e) du bureau'], ['je suis absent(e)', 'ABSENT(E) DU BUREAU', 'absent(e).'], ['absente', 'absentee', 'absents(e)']],
    ['umlauts and their digraphs', withDigraphs(['nicht im büro', 'außer haus', 'übersetz*']), ['Nicht im Büro', 'NICHT IM BUERO', 'ausser Haus', 'AUSSER HAUS', 'Übersetzung', 'uebersetzer'], ['nichts ims buros', 'aus hause', 'setzung']],
    ['accented letters in the keyword', ['interprétariat', 'răspuns automat', 'autoodpowiedź'], ['Interprétariat', 'INTERPRETARIAT', 'Răspuns automat', 'autoodpowiedz', 'AUTOODPOWIEDŹ'], ['interpretariats', 'raspunsuri automate', 'auto odpowiedz']],
    ['punctuation only parts', ['- tradu*', '« ok »'], ['- traduction', '« ok »'], []],
    ['one-letter and stop words', ['i am out of the office', 'a b'], ['I am out of the office.', 'a b', 'a - b'], ['offices', 'ab', 'bc']],
  ])('%s', (_label, keywords, matching, lacking) => {
    const reg = register(filter, keywords.join(' | '), keywords);
    const singles = keywords.map((k) => register(filter, k, [k]));
    const all = [reg, ...singles];
    // Ground truth for the positive cases: the regex does match (else the case proves nothing).
    for (const m of matching) expect([m, reg.search.re.test(fold(m))]).toEqual([m, true]);
    const violations = [...matching, ...matching.flatMap(around), ...lacking.flatMap(around)].flatMap((t) => missed(filter, all, fold(t)));
    expect(violations).toEqual([]);
    // The negative cases: the regex does not match, and the filter sees it (unless no part of any
    // keyword starts with [a-z0-9]: then there is no word to require).
    const filterable = keywords.every((k) => fold(k).split(/\s+/).some((p) => /^[a-z0-9]/.test(p)));
    for (const text of lacking) {
      const t = fold(text);
      expect([text, reg.search.re.test(t)]).toEqual([text, false]);
      if (filterable) expect([text, filter.mayMatch(reg.id, filter.wordsIn(t), t)]).toEqual([text, false]);
    }
  });

  it('a search added after wordsIn ran (a rules reload) is not ruled out', () => {
    const f = new KeywordFilter();
    register(f, 'a', ['alpha']);
    const text = fold('Une traduction, SVP');
    const words = f.wordsIn(text);
    const late = register(f, 'late', ['traduction']);
    expect(late.search.re.test(text)).toBe(true);
    expect(f.mayMatch(late.id, words, text)).toBe(true);
  });

  it('random texts of keyword fragments: a matching regex is never ruled out', () => {
    // Words of the keywords, cut and glued with random separators and neighbours.
    const rand = prng(42);
    const pieces = [...new Set(KEYWORDS.flatMap((k) => fold(k).replace(/\*$/, '').split(/\s+/)))];
    const glue = [...SEPARATORS, '', '', 'x', '1', 'é', "'", '_'];
    const pick = <T,>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
    const violations: string[] = [];
    let matched = 0;
    for (let n = 0; n < 3000; n++) {
      let raw = '';
      const len = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < len; i++) {
        let piece = pick(pieces);
        if (rand() < 0.2) piece = piece.slice(0, 1 + Math.floor(rand() * piece.length));
        if (rand() < 0.2) piece = piece.toUpperCase();
        raw += pick(glue) + piece;
      }
      const t = fold(raw + pick(glue));
      if (listSearches.some((s) => s.search.re.test(t))) matched++;
      violations.push(...missed(listFilter, listSearches, t));
    }
    expect(violations.slice(0, 20)).toEqual([]);
    expect(matched).toBeGreaterThan(300);
  });
});
