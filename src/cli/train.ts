/**
 * `aiguillage train [--corpus DIR] [--out FILE] [--rules FILE] [--algorithm naive-bayes|logistic-regression]
 *  [--folds N] [--repeats N] [--by-writer]`: reads config/training/<destination>/*.eml through
 * parse + index, cross-validates, calibrates and writes the versioned model file.
 * `--repeats N` repeats the k-fold split N times with shuffles (steadier figures: one split of
 * 759 messages moves macro-F1 by about a point); `--by-writer` validates leave-one-writer-out
 * instead, the writer of a file being its name's one-letter tag ("c-…", "d-…"; untagged files
 * form one group): how the model does on messages written by someone it never read.
 * It also chooses one threshold per predicted destination out of fold (recorded in the model file's
 * `recommended` block), and evaluates classify.destinationThresholds when the configuration sets
 * them (e.g. thresholds chosen on shuffled folds, measured by writer). `--errors` lists the
 * messages misclassified out of fold.
 */
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig } from '../config/load';
import { DEFAULT_FEATURES, extractFeatures } from '../classify/model/features';
import { indexCorpus, indexDepsFromConfig, listLabelledDirs } from '../classify/model/corpus';
import { progressBar } from '../shared/progress';
import { saveModel } from '../classify/model/linear';
import { corpusHash, TARGET_MISROUTE, trainModel, type Algorithm, type CorpusDoc, type CvReport } from '../classify/model/train';
import { DESTINATION_MAX_MISROUTE } from '../classify/model/destination-thresholds';
import type { ClassScore } from '../classify/metrics';
import { evaluateRules, ruleWeights, winningForce } from '../classify/rules/engine';
import { loadRules } from '../classify/rules/load';
import { buildView } from '../classify/rules/view';
import { AUTO_DESTINATIONS, type Destination } from '../classify/types';

const USAGE =
  'usage: aiguillage train [--corpus DIR] [--out FILE] [--rules FILE] [--algorithm naive-bayes|logistic-regression] [--folds N] [--repeats N] [--by-writer] [--errors]';

interface TrainArgs {
  corpus?: string;
  out?: string;
  rules?: string;
  algorithm?: Algorithm;
  folds?: number;
  repeats?: number;
  byWriter?: boolean;
  errors?: boolean;
}

/** Writer tag of a training file: its name's one-letter prefix ("c-…"), '' when untagged. */
export function writerOf(file: string): string {
  return /^([a-z])-/.exec(path.basename(file))?.[1] ?? '';
}

function parseArgs(argv: string[]): TrainArgs {
  const a: TrainArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--by-writer' || k === '--errors') {
      if (k === '--by-writer') a.byWriter = true;
      else a.errors = true;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined && k !== undefined) throw new Error(`${k}: valeur manquante\n${USAGE}`);
    if (k === '--corpus') a.corpus = v;
    else if (k === '--out') a.out = v;
    else if (k === '--rules') a.rules = v;
    else if (k === '--algorithm') {
      if (v !== 'naive-bayes' && v !== 'logistic-regression') throw new Error(`--algorithm: naive-bayes ou logistic-regression, pas "${v}"`);
      a.algorithm = v;
    } else if (k === '--folds') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 2) throw new Error(`--folds: entier ≥ 2 attendu, pas "${v}"`);
      a.folds = n;
    } else if (k === '--repeats') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(`--repeats: entier entre 1 et 50 attendu, pas "${v}"`);
      a.repeats = n;
    } else throw new Error(`option inconnue ${k}\n${USAGE}`);
    i++;
  }
  return a;
}

export async function runTrain(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const config = loadConfig();
  const root = path.dirname(path.dirname(config.classify.rulesPath));
  const corpusDir = args.corpus ?? path.join(root, 'config', 'training');
  const out = args.out ?? config.classify.modelPath;
  const rulePaths = args.rules ? [args.rules] : [config.classify.rulesPath, config.classify.localRulesPath];
  const rules = loadRules(rulePaths);
  const classes = [...AUTO_DESTINATIONS] as Destination[];
  const files = listLabelledDirs(corpusDir);
  const unknown = files.filter((f) => !(classes as string[]).includes(f.label));
  if (unknown.length > 0) throw new Error(`dossier de destination inconnu : ${[...new Set(unknown.map((f) => f.label))].join(', ')}`);
  const items = await indexCorpus(files, indexDepsFromConfig(config), progressBar(files.length, 'lecture du corpus'));

  const docs: CorpusDoc[] = items.map((it) => {
    const outcome = evaluateRules(rules, buildView({ index: it.index, receivedAt: it.receivedAt }));
    const force = winningForce(outcome.fired);
    return {
      features: extractFeatures(it.index, DEFAULT_FEATURES).names,
      label: classes.indexOf(it.label as Destination),
      ruleWeights: ruleWeights(outcome.fired, classes),
      forced: force !== null,
      forcedTo: force?.rule.effect.force,
    };
  });
  const t0 = Date.now();
  const result = trainModel(docs, classes, {
    corpusHash: corpusHash(items.map((i) => `${i.label}/${i.sha256}`)),
    algorithm: args.algorithm,
    folds: args.folds,
    // Three shuffled splits by default: the temperature and the recommended threshold then rest
    // on 3 out-of-fold scores per message rather than on one lucky or unlucky split.
    repeats: args.repeats ?? 3,
    groups: args.byWriter ? groupIds(items.map((i) => writerOf(i.file))) : undefined,
    threshold: config.classify.threshold,
    reviewMargin: config.classify.reviewMargin,
    destinationThresholds: config.classify.destinationThresholds,
    features: DEFAULT_FEATURES,
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  saveModel(out, result.file);
  const size = fs.statSync(out).size;
  const counts = classes.map((c) => `${c}=${items.filter((i) => i.label === c).length}`).join(' ');
  process.stdout.write(`corpus : ${items.length} messages (${counts})\n`);
  const cvInfo = result.file.cv as { folds: number; repeats: number; grouped: boolean };
  process.stdout.write(
    cvInfo.grouped
      ? `validation croisée par auteur : chaque auteur (préfixe « x- ») évalué par un modèle qui n'a lu aucun de ses messages\n`
      : `validation croisée : ${cvInfo.folds} plis × ${cvInfo.repeats} répétition(s)\n`,
  );
  for (const cv of result.cv) {
    process.stdout.write(
      `validation croisée ${cv.algorithm} : exactitude ${pct(cv.accuracy)}, macro-F1 ${pct(cv.macroF1)}, ` +
        `T=${cv.temperature.toFixed(3)}, log-loss ${cv.logLoss.toFixed(3)} ; au seuil ${config.classify.threshold}/${config.classify.reviewMargin} : ` +
        `couverture ${pct(cv.coverage)}, erreurs parmi routés ${pct(cv.misrouteRate)}, macro-F1 final ${pct(cv.finalMacroF1)}\n`,
    );
  }
  const rec = result.file.recommended;
  process.stdout.write(
    rec
      ? `seuil recommandé (≤ ${pct(TARGET_MISROUTE)} d'erreurs parmi routés en validation croisée) : classify.threshold ${rec.threshold}, ` +
          `classify.reviewMargin ${rec.reviewMargin} → couverture ${pct(rec.coverage)}, erreurs ${pct(rec.misrouteRate)}` +
          (rec.macroF1 !== undefined ? `, macro-F1 final ${pct(rec.macroF1)}\n` : '\n')
      : `aucun seuil n'atteint ${pct(TARGET_MISROUTE)} d'erreurs parmi routés en validation croisée\n`,
  );
  const chosen = result.cv.find((c) => c.algorithm === result.file.algorithm)!;
  printDestinationFigures(chosen, config.classify.threshold);
  if (args.errors) printErrors(chosen, items.map((i) => ({ file: path.relative(corpusDir, i.file), label: i.label })));
  process.stdout.write(
    `modèle ${result.file.algorithm} écrit dans ${out} (${(size / 1024).toFixed(0)} Kio, ${result.file.vocab.length} traits, ${Date.now() - t0} ms)\n`,
  );
  return 0;
}

function table(scores: ClassScore[]): string {
  return scores.map((c) => `  ${c.label.padEnd(13)} P ${pct(c.precision).padStart(7)}  R ${pct(c.recall).padStart(7)}  F1 ${pct(c.f1).padStart(7)}`).join('\n') + '\n';
}

/** Final decision per destination at the global threshold, at the per-destination thresholds
 *  chosen out of fold, and at the configured ones (classify.destinationThresholds) if any. */
function printDestinationFigures(cv: CvReport, threshold: number): void {
  const w = (l: string) => process.stdout.write(l);
  w(`par destination au seuil général ${threshold} :\n${table(cv.perDestination)}`);
  const d = cv.destinationThresholds;
  if (d) {
    const list = Object.entries(d.thresholds).map(([k, v]) => `${k} ${v}`).join(', ');
    w(
      `seuils par destination choisis (≤ ${pct(DESTINATION_MAX_MISROUTE)} d'erreurs, marge ${d.reviewMargin}) : ${list} → couverture ${pct(d.coverage)}, ` +
        `erreurs ${pct(d.misrouteRate)}, macro-F1 final ${pct(d.macroF1)}\n${table(d.perDestination)}`,
    );
  } else w(`aucun jeu de seuils par destination n'atteint ${pct(DESTINATION_MAX_MISROUTE)} d'erreurs\n`);
  const g = cv.atGivenThresholds;
  if (g) {
    const list = Object.entries(g.thresholds).map(([k, v]) => `${k} ${v}`).join(', ') || 'aucun';
    w(
      `aux seuils par destination configurés (${list}, sinon ${threshold}) : couverture ${pct(g.coverage)}, erreurs ${pct(g.misrouteRate)}, ` +
        `macro-F1 final ${pct(g.macroF1)}\n${table(g.perDestination)}`,
    );
  }
}

/** Out-of-fold errors, most frequent first (a message counts once per repetition of the split). */
function printErrors(cv: CvReport, docs: { file: string; label: string }[]): void {
  const byDoc = new Map<number, { n: number; predicted: Set<string>; p: number[] }>();
  for (const m of cv.misclassified) {
    const e = byDoc.get(m.doc) ?? { n: 0, predicted: new Set<string>(), p: [] };
    e.n++;
    e.predicted.add(m.predicted);
    e.p.push(m.p);
    byDoc.set(m.doc, e);
  }
  process.stdout.write(`erreurs hors pli (${byDoc.size} messages) :\n`);
  for (const [doc, e] of [...byDoc].sort((a, b) => b[1].n - a[1].n || docs[a[0]]!.file.localeCompare(docs[b[0]]!.file))) {
    const p = e.p.map((x) => x.toFixed(2)).join('/');
    process.stdout.write(`  ${docs[doc]!.file} : ${docs[doc]!.label} → ${[...e.predicted].join('|')} (${e.n}×, p ${p})\n`);
  }
}

function groupIds(keys: string[]): number[] {
  const ids = [...new Set(keys)].sort();
  if (ids.length < 2) throw new Error('--by-writer : il faut au moins deux auteurs (préfixes « x- » des fichiers)');
  return keys.map((k) => ids.indexOf(k));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
