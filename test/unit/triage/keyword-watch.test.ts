import { Writable } from 'node:stream';
import { createLogger } from '../../../src/shared/logger';
import { Metrics } from '../../../src/shared/metrics';
import { keywordWatch } from '../../../src/triage/keyword-watch';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { log: createLogger('info', stream), lines };
}

test('sets the gauge on every report and warns once per level and folder', async () => {
  const { log, lines } = capture();
  const metrics = new Metrics('triage');
  const watch = keywordWatch(log, metrics);
  watch('main', 'Aiguillage/legislation', 1999);
  watch('main', 'Aiguillage/legislation', 2000);
  watch('main', 'Aiguillage/legislation', 2600);
  watch('main', 'Aiguillage/pcn', 2100);
  watch('main', 'Aiguillage/legislation', 5300);
  await new Promise((r) => setImmediate(r));
  const warnings = lines.filter((l) => l.level === 40).map((l) => [l.folder, l.keywords, l.extraCpuMsPerMessage]);
  expect(warnings).toEqual([
    ['Aiguillage/legislation', 2000, 2.4],
    ['Aiguillage/pcn', 2100, 2.5],
    ['Aiguillage/legislation', 5300, 6.4],
  ]);
  const gauge = await metrics.folderKeywords.get();
  expect(gauge.values.map((v) => [v.labels.folder, v.value]).sort()).toEqual([
    ['Aiguillage/legislation', 5300],
    ['Aiguillage/pcn', 2100],
  ]);
});
