/**
 * End to end on the demo samples (config/samples/*.eml, labels.csv): real MIME parsing, the
 * real index, the shipped rules and the shipped model, at the thresholds of config/default.yaml.
 * Exact confidences are not asserted (they move with every retraining); what must hold is that
 * whatever is routed automatically is routed right, and every decision explains itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createClassifier } from '../../../src/classify/decide';
import { readLabelsCsv } from '../../../src/classify/model/corpus';
import { loadModel } from '../../../src/classify/model/linear';
import { loadRules } from '../../../src/classify/rules/load';
import { buildIndex, loadSenderDirectory } from '../../../src/index';
import { DEFAULT_PARSE_LIMITS, parseMessage } from '../../../src/parse';
import type { Decision } from '../../../src/classify/types';

const root = path.join(__dirname, '../../..');
const samples = path.join(root, 'config/samples');
const model = loadModel(path.join(root, 'config/model/model.json'));
// The operating point the trainer measured by cross-validation (the value to put in
// config/default.yaml); the configured one when the model file has none.
const configured = (parseYaml(fs.readFileSync(path.join(root, 'config/default.yaml'), 'utf8')) as { classify: { threshold: number; reviewMargin: number } }).classify;
const operating = model.file.recommended ?? configured;
const senders = loadSenderDirectory(fs.readFileSync(path.join(root, 'config/senders.yaml'), 'utf8'));
const classifier = createClassifier({
  rules: loadRules([path.join(root, 'config/rules.yaml')]),
  model,
  threshold: operating.threshold,
  reviewMargin: operating.reviewMargin,
});

interface Row {
  file: string;
  truth: string;
  decision: Decision;
}

async function classifySamples(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { file, label } of readLabelsCsv(path.join(samples, 'labels.csv'), samples)) {
    const parsed = await parseMessage(fs.readFileSync(file), DEFAULT_PARSE_LIMITS);
    const index = buildIndex(parsed, { senders, scannerAddresses: [], maxTextChars: DEFAULT_PARSE_LIMITS.maxTextChars });
    rows.push({ file: path.basename(file), truth: label, decision: classifier.classify({ index, receivedAt: parsed.date ?? new Date() }) });
  }
  return rows;
}

describe('demo samples through parse → index → rules + model', () => {
  let rows: Row[];
  beforeAll(async () => {
    rows = await classifySamples();
  });

  it('reads every labelled sample', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(new Set(rows.map((r) => r.truth)).size).toBe(5);
  });

  it('routes the confident ones to the right destination', () => {
    const routed = rows.filter((r) => r.decision.status === 'routed');
    const wrong = routed.filter((r) => r.decision.destination !== r.truth).map((r) => `${r.file}: ${r.decision.destination}`);
    expect(wrong).toEqual([]);
    // Most samples are clear enough to be routed without a human.
    expect(routed.length / rows.length).toBeGreaterThanOrEqual(0.7);
  });

  it('explains every decision in French, with the words that weighed', () => {
    for (const r of rows) {
      expect(r.decision.reasons.length).toBeGreaterThan(0);
      for (const reason of r.decision.reasons) expect(reason.text.length).toBeGreaterThan(5);
      const forced = r.decision.reasons.some((x) => x.kind === 'rule' && x.text && r.decision.confidence >= 0.9);
      if (!forced) expect(r.decision.reasons.some((x) => x.kind === 'model' || x.kind === 'rule')).toBe(true);
      if (r.decision.status === 'to-review') expect(r.decision.suggestions.length).toBeGreaterThanOrEqual(2);
    }
  });
});
