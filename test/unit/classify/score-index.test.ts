/**
 * The worker's scorer (scoreIndex, one cached lookup per word) against the definition it replaces:
 * scoreMessage(model, extractFeatures(...)) — the same known features in the same order with the
 * same origins, the same scores to the last bit, the same words for the explanation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { extractFeatures, MAX_MODEL_CHARS, WORD_FEATURES } from '../../../src/classify/model/features';
import { forgetTokens, loadModel, scoreIndex, scoreMessage, TOKEN_CACHE_MAX, type Model } from '../../../src/classify/model/linear';
import { fold } from '../../../src/classify/text';
import { buildIndex, loadSenderDirectory } from '../../../src/index';
import type { IndexRecord } from '../../../src/index/types';
import { parseMessage } from '../../../src/parse';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import { mulberry32 } from '../../../src/shared/prng';
import { record } from './builders';
import { tinyModel } from './tiny-model';

const root = path.resolve(__dirname, '../../..');

function expectSame(model: Model, ix: IndexRecord): void {
  const folded = { subject: fold(ix.subject), text: fold(ix.text) };
  const feats = extractFeatures(ix, model.file.features, folded);
  const want = scoreMessage(model, feats);
  const got = scoreIndex(model, ix, folded)!;
  expect(got).not.toBeNull();
  expect(got.known).toEqual(want.known);
  expect(got.origins).toEqual(want.origins);
  expect(got.scores).toEqual(want.scores); // toEqual on numbers: Object.is, so bit for bit
  expect(got.value).toBe(want.value);
  expect(got.gramValue).toBe(want.gramValue);
  for (const at of new Set(want.origins.filter((o) => o >= 0))) expect(got.wordAt(at)).toBe(feats.wordAt(at));
}

describe('scoreIndex (the worker scorer) = scoreMessage(extractFeatures)', () => {
  const model = loadModel(path.join(root, 'config/model/model.json'));

  it('on every held-out and sample message, with the shipped model', async () => {
    const senders = loadSenderDirectory(fs.readFileSync(path.join(root, 'config/senders.yaml'), 'utf8'));
    const dirs = ['config/heldout', 'config/samples'].map((d) => path.join(root, d));
    const files = dirs.flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.eml')).map((f) => path.join(d, f)));
    expect(files.length).toBeGreaterThan(150);
    for (const f of files) {
      const parsed = await parseMessage(fs.readFileSync(f), DEFAULT_PARSE_LIMITS);
      const ix = buildIndex(parsed, { senders, scannerAddresses: [], maxTextChars: DEFAULT_PARSE_LIMITS.maxTextChars });
      // Twice: the second run takes every word from the cache the first one filled.
      expectSame(model, ix);
      expectSame(model, ix);
    }
  });

  it('on the edge cases: repeats, stop words, numbers, subject words, facts twice, long text, any language', () => {
    const cases = [
      record({ subject: 'Traduction traduction', body: 'traduction des traductions, la traduction 2004 883 12 123456', language: 'fr' }),
      record({ subject: 'Übersetzung', body: 'Bitte um Übersetzungen der Bescheide und Übersetzung', language: 'de', forms: ['S2', 'S2'] }),
      record({ body: 'détachement A1 2004', language: 'pl', attachments: [{ name: 'a.pdf', type: 'application/pdf' }, { name: 'b.pdf', type: 'application/pdf' }] }),
      record({ subject: 'Re: soins', body: `${'prise en charge des soins programmés '.repeat(700)}fin`, language: 'fr', inReplyTo: 'x@y', nir: ['1'] }),
      record({ body: '', textAvailable: false, language: 'und' }),
      record({ subject: 'ab x y', body: 'a b c de le la les et ou 1 22 333 4444 55555 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', language: 'en' }),
    ];
    expect(cases[3]!.text.length).toBeGreaterThan(MAX_MODEL_CHARS);
    for (const ix of cases) expectSame(model, ix);
  });

  it('on random texts over the model vocabulary, in turn with the per-word cache warm and cold', () => {
    const rand = mulberry32(20261127);
    const vocab = model.file.vocab.filter((v) => /^[a-z]+$/.test(v)).slice(0, 3000);
    const extra = ['é', 'è', 'ç', 'ß', 'œ', '€', '–', '1', '42', '2011', 'le', 'der', 'the', 'ÉTÉ', 'Ça'];
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const langs = ['fr', 'de', 'en', 'es', 'it', 'pt', 'nl', 'pl', 'ro'];
    for (let n = 0; n < 300; n++) {
      const words = (k: number) => Array.from({ length: k }, () => (rand() < 0.2 ? pick(extra) : pick(vocab) + (rand() < 0.3 ? pick(['s', 'e', 'es', 'ion', 'ung']) : ''))).join(rand() < 0.5 ? ' ' : ', ');
      if (n % 50 === 0) forgetTokens(model);
      expectSame(model, record({ subject: words(4), body: words(60), language: pick(langs), forms: rand() < 0.3 ? ['S1'] : [] }));
    }
  });

  it('keeps at most TOKEN_CACHE_MAX words in all languages, and scores the same across the emptying', () => {
    forgetTokens(model);
    const words = (i: number) => Array.from({ length: 400 }, (_, k) => `mot${(i * 400 + k).toString(36)}x traduction`).join(' ');
    const langs = ['fr', 'de', 'en'];
    let peak = 0;
    let emptied = false;
    for (let i = 0; i * 400 < TOKEN_CACHE_MAX * 1.3; i++) {
      expectSame(model, record({ subject: 'Traduction', body: words(i), language: langs[i % 3] }));
      const held = [...model.tokens.values()].reduce((n, m) => n + m.size, 0);
      expect(held).toBe(model.tokenCount.n);
      expect(held).toBeLessThanOrEqual(TOKEN_CACHE_MAX);
      if (held < peak) emptied = true;
      peak = Math.max(peak, held);
    }
    // Filled to within one message of the bound, then emptied once.
    expect(peak).toBeGreaterThan(TOKEN_CACHE_MAX - 402);
    expect(emptied).toBe(true);
  });

  it('starts the marks afresh when the stamp wraps around, cached words included', () => {
    const ix = record({ subject: 'Traduction', body: 'une traduction certifiée du jugement', language: 'fr' });
    const folded = { subject: fold(ix.subject), text: fold(ix.text) };
    const want = scoreMessage(model, extractFeatures(ix, model.file.features, folded));
    model.stamp.n = 0;
    expect(scoreIndex(model, ix, folded)!.known).toEqual(want.known); // its words now carry stamp 1
    model.stamp.n = 0xfffffffe;
    const wrapped = scoreIndex(model, ix, folded)!; // wraps to stamp 1 again
    expect(model.stamp.n).toBe(1);
    expect(wrapped.known).toEqual(want.known);
    expect(wrapped.scores).toEqual(want.scores);
  });

  it('leaves a model with word prefixes to extractFeatures (null)', () => {
    const m = tinyModel('naive-bayes', { ...WORD_FEATURES, prefix: 5 });
    expect(scoreIndex(m, record({ body: 'traduction' }), { subject: '', text: 'traduction' })).toBeNull();
  });
});
