// Measures language detectors on short mail-like sentences (20 per language, 9 languages):
// accuracy restricted to our 9 languages, and speed. `node scripts/measure-language.mjs`.
// Samples: test/fixtures/index/language-samples.json (also used by the unit tests).
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

const detectors = {
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
  const long = cases.map((c) => c.text).join(' ').repeat(3);
  const rounds = 2000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) detect(cases[i % cases.length].text);
  const shortUs = Number(process.hrtime.bigint() - t0) / 1000 / rounds;
  const t1 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) detect(long.slice(0, 5000));
  const longUs = Number(process.hrtime.bigint() - t1) / 1000 / 20;
  console.log(`${name.padEnd(24)} accuracy ${ok}/${cases.length} (${((100 * ok) / cases.length).toFixed(1)}%)  ` +
    `short ${shortUs.toFixed(0)} µs/call  5k-char ${longUs.toFixed(0)} µs/call  per-lang ${JSON.stringify(perLang)}`);
  if (misses.length) console.log(`   misses: ${misses.join(' ')}`);
}
