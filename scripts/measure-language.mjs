// Measures language detectors on short mail-like sentences (20 per language, 9 languages):
// accuracy restricted to our 9 languages, and speed. `node scripts/measure-language.mjs`.
// Samples: test/fixtures/index/language-samples.json (also used by the unit tests).
// Also a 5,000-char text (all samples, repeated) for the cost on a whole mail.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const LANGS = ['fr', 'de', 'es', 'it', 'en', 'pt', 'pl', 'nl', 'ro'];
const samples = JSON.parse(readFileSync(new URL('../test/fixtures/index/language-samples.json', import.meta.url), 'utf8'));
const cases = Object.entries(samples).flatMap(([lang, list]) => list.map((text) => ({ lang, text })));

const tinyld = require('tinyld');
const tinyldLight = require('tinyld/light');
const tinyldHeavy = require('tinyld/heavy');
const eldMedium = (await import('eld/medium')).eld;
const eldLarge = (await import('eld/large')).eld;
const eldSmall = (await import('eld/small')).eld;
for (const e of [eldMedium, eldLarge, eldSmall]) e.setLanguageSubset(LANGS);

// Ours (function words, then tinyld when unsure): needs `npm run build` first.
let ours = null;
let stage1 = null;
try {
  ({ detectLanguage: ours, functionWordLeader: stage1 } = require('../dist/src/index/language.js'));
} catch {
  console.log('(dist/src/index/language.js not built: run `npm run build` to measure ours too)');
}

const detectors = {
  ...(ours ? { 'aiguillage detectLanguage': (t) => ours(t).language } : {}),
  'tinyld (default)': (t) => tinyld.detect(t, { only: LANGS }),
  'tinyld/light': (t) => tinyldLight.detect(t, { only: LANGS }),
  'tinyld/heavy': (t) => tinyldHeavy.detect(t, { only: LANGS }),
  'eld/small (subset)': (t) => eldSmall.detect(t).language,
  'eld/medium (subset)': (t) => eldMedium.detect(t).language,
  'eld/large (subset)': (t) => eldLarge.detect(t).language,
};

for (const [name, detect] of Object.entries(detectors)) {
  let ok = 0;
  const perLang = Object.fromEntries(LANGS.map((l) => [l, 0]));
  const misses = [];
  for (const c of cases) {
    const got = detect(c.text);
    if (got === c.lang) { ok++; perLang[c.lang]++; } else misses.push(`${c.lang}->${got || 'und'}`);
  }
  // A whole mail in one language: that language's 20 sentences, repeated to 5,000 chars.
  const longs = LANGS.map((l) => samples[l].join(' ').repeat(5).slice(0, 5000));
  const rounds = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) detect(cases[i % cases.length].text);
  const shortUs = Number(process.hrtime.bigint() - t0) / 1000 / rounds;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < 90; i++) detect(longs[i % longs.length]);
  const longUs = Number(process.hrtime.bigint() - t1) / 1000 / 90;
  console.log(`${name.padEnd(24)} accuracy ${ok}/${cases.length} (${((100 * ok) / cases.length).toFixed(1)}%)  ` +
    `short ${shortUs.toFixed(0)} µs/call  5k-char ${longUs.toFixed(0)} µs/call  per-lang ${JSON.stringify(perLang)}`);
  if (misses.length) console.log(`   misses: ${misses.join(' ')}`);
}

if (stage1) {
  let decided = 0;
  let right = 0;
  for (const c of cases) {
    const got = stage1(c.text);
    if (got !== null) { decided++; if (got === c.lang) right++; }
  }
  console.log(`stage 1 (function words) alone: decides ${decided}/${cases.length} short sentences, ${right} of them right`);
}
