/**
 * `aiguillage backtest --corpus DIR --labels FILE.csv [--rules FILE] [--model FILE] [--json]
 *  [--threshold X] [--review-margin X] [--global-threshold-only] [--details]`: replays a labelled corpus through parse → index →
 * classify and prints accuracy, macro-F1, per-destination scores, the confusion matrix, and
 * coverage vs misroute rate at the threshold. `--rules` evaluates a candidate rules file.
 * The per-destination thresholds in force (classify.destinationThresholds, else the model file's
 * recommendation) apply unless `--global-threshold-only` (to compare with the global threshold).
 */
import { loadConfig } from '../config/load';
import { createClassifier } from '../classify/decide';
import { indexCorpus, indexDepsFromConfig, readLabelsCsv } from '../classify/model/corpus';
import { progressBar } from '../shared/progress';
import { loadModel } from '../classify/model/linear';
import { accuracy, confusionMatrix, coverage, macroF1, perClass, type RoutedPair } from '../classify/metrics';
import { loadRules } from '../classify/rules/load';
import { AUTO_DESTINATIONS, type Decision } from '../classify/types';

const USAGE =
  'usage: aiguillage backtest --corpus DIR --labels FILE.csv [--rules FILE] [--model FILE] [--json] [--threshold X] [--review-margin X] [--global-threshold-only] [--details]';

interface Args {
  corpus?: string;
  labels?: string;
  rules?: string;
  model?: string;
  json: boolean;
  details: boolean;
  threshold?: number;
  reviewMargin?: number;
  globalOnly: boolean;
}

function unit(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !(n >= 0 && n <= 1)) throw new Error(`${flag}: nombre entre 0 et 1 attendu, pas "${v}"`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, details: false, globalOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') a.json = true;
    else if (k === '--details') a.details = true;
    else if (k === '--global-threshold-only') a.globalOnly = true;
    else if (k === '--corpus') a.corpus = argv[++i];
    else if (k === '--labels') a.labels = argv[++i];
    else if (k === '--rules') a.rules = argv[++i];
    else if (k === '--model') a.model = argv[++i];
    else if (k === '--threshold') a.threshold = unit(k, argv[++i]);
    else if (k === '--review-margin') a.reviewMargin = unit(k, argv[++i]);
    else throw new Error(`option inconnue ${k}\n${USAGE}`);
  }
  if (!a.corpus || !a.labels) throw new Error(USAGE);
  return a;
}

interface Row {
  file: string;
  truth: string;
  decision: Decision;
}

export function summarise(rows: Row[]) {
  const labels = [...AUTO_DESTINATIONS];
  const final: RoutedPair[] = rows.map((r) => ({ truth: r.truth, predicted: r.decision.destination, routed: r.decision.status === 'routed' }));
  const top = rows.map((r) => ({ truth: r.truth, predicted: r.decision.suggestions[0]?.destination ?? r.decision.destination }));
  const classes = perClass(labels, final);
  const ruleHits: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    for (const reason of r.decision.reasons) {
      if (!reason.rule) continue;
      const hits = (ruleHits[reason.rule] ??= {});
      hits[r.truth] = (hits[r.truth] ?? 0) + 1;
    }
  }
  return {
    total: rows.length,
    accuracy: accuracy(final),
    macroF1: macroF1(classes, final),
    topSuggestion: { accuracy: accuracy(top), macroF1: macroF1(perClass(labels, top), top) },
    perDestination: classes,
    labels,
    confusion: confusionMatrix(labels, final),
    ...coverage(final),
    ruleHits,
    errors: rows
      .filter((r) => r.decision.destination !== r.truth)
      .map((r) => ({ file: r.file, truth: r.truth, destination: r.decision.destination, status: r.decision.status, confidence: r.decision.confidence, best: r.decision.suggestions[0]?.destination })),
  };
}

const p = (x: number) => `${(x * 100).toFixed(1)} %`.padStart(8);

function printText(s: ReturnType<typeof summarise>, details: boolean, speed: number): void {
  const w = (l: string) => process.stdout.write(l + '\n');
  w(`messages : ${s.total}   exactitude : ${p(s.accuracy)}   macro-F1 : ${p(s.macroF1)}`);
  w(`meilleure proposition (sans seuil) : exactitude ${p(s.topSuggestion.accuracy)}   macro-F1 ${p(s.topSuggestion.macroF1)}`);
  w(`routés automatiquement : ${p(s.coverage)} (${s.routed})   erreurs parmi routés : ${p(s.misrouteRate)} (${s.misrouted})`);
  w(`vitesse de classement : ${speed.toFixed(0)} messages/s (hors lecture MIME)`);
  w('\ndestination      précision  rappel      F1   effectif');
  for (const c of s.perDestination) w(`${c.label.padEnd(14)} ${p(c.precision)} ${p(c.recall)} ${p(c.f1)} ${String(c.support).padStart(6)}`);
  w('\nmatrice de confusion (ligne = vraie destination, colonne = décision)');
  w(' '.repeat(14) + s.labels.map((l) => l.slice(0, 6).padStart(8)).join(''));
  s.confusion.forEach((row, i) => w(s.labels[i]!.padEnd(14) + row.map((n) => String(n).padStart(8)).join('')));
  if (!details) return;
  w('\nrègles déclenchées (par vraie destination)');
  for (const [rule, hits] of Object.entries(s.ruleHits).sort()) w(`  ${rule.padEnd(42)} ${JSON.stringify(hits)}`);
  w('\nerreurs');
  for (const e of s.errors) w(`  ${e.file} : attendu ${e.truth}, obtenu ${e.destination} (${e.status}, ${e.confidence}, meilleur ${e.best})`);
}

/** Warm throughput (a worker classifies for hours): passes repeated for at least half a second. */
function measureSpeed(pass: () => void, perPass: number): number {
  let done = 0;
  const t0 = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < 0.5 && perPass > 0) {
    pass();
    done += perPass;
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return done / Math.max(seconds, 1e-9);
}

export async function runBacktest(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const config = loadConfig();
  const rules = loadRules(args.rules ? [args.rules] : [config.classify.rulesPath, config.classify.localRulesPath]);
  const model = loadModel(args.model ?? config.classify.modelPath);
  const classifier = createClassifier({
    rules,
    model,
    threshold: args.threshold ?? config.classify.threshold,
    destinationThresholds: args.globalOnly ? {} : config.classify.destinationThresholds,
    reviewMargin: args.reviewMargin ?? config.classify.reviewMargin,
  });
  const files = readLabelsCsv(args.labels!, args.corpus!);
  const items = await indexCorpus(files, indexDepsFromConfig(config), progressBar(files.length, 'lecture'));
  const rows: Row[] = items.map((it) => ({ file: it.file, truth: it.label, decision: classifier.classify({ index: it.index, receivedAt: it.receivedAt }) }));
  const summary = summarise(rows);
  const speed = measureSpeed(() => items.forEach((it) => classifier.classify({ index: it.index, receivedAt: it.receivedAt })), items.length);
  if (args.json) process.stdout.write(JSON.stringify({ ...summary, docsPerSecond: Math.round(speed) }, null, 2) + '\n');
  else printText(summary, args.details, speed);
  return 0;
}
