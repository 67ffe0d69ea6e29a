const t = require('tinyld');
const s = require('/work/main/test/fixtures/index/language-samples.json');
const texts = Object.values(s).flat();
const LANGS = ['fr', 'de', 'es', 'it', 'en', 'pt', 'pl', 'nl', 'ro'];
function bench(name, f) { for (let i=0;i<200;i++) f(texts[i%texts.length]); const t0=process.hrtime.bigint(); for (let i=0;i<3000;i++) f(texts[i%texts.length]); console.log(name, Number(process.hrtime.bigint()-t0)/1000/3000, 'us'); }
bench('detect only', x => t.detect(x, {only: LANGS}));
bench('detect', x => t.detect(x));
bench('detectAll', x => t.detectAll(x));
bench('detectAll only', x => t.detectAll(x, {only: LANGS}));
const long = texts.join(' ');
console.log(long.length);
bench('detect 1000 chars', x => t.detect(long.slice(0, 1000), {only: LANGS}));
bench('detect 300 chars', x => t.detect(long.slice(0, 300), {only: LANGS}));
console.log(process.memoryUsage().rss/1e6);
