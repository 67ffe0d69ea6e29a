import fs from 'node:fs';
import path from 'node:path';
import { Worker, type ConnectionOptions, type Queue } from 'bullmq';
import { createClassifier } from '../classify/decide';
import type { DestinationThresholds } from '../classify/thresholds';
import { indexCorpus, listLabelledDirs, type IndexDeps } from '../classify/model/corpus';
import { DEFAULT_FEATURES, extractFeatures, type FeatureOptions } from '../classify/model/features';
import { loadModel, modelFromFile, saveModel, type Model } from '../classify/model/linear';
import { corpusHash, trainModel, type CorpusDoc } from '../classify/model/train';
import { evaluateRules, ruleWeights, winningForce } from '../classify/rules/engine';
import { loadRules, type RuleSet } from '../classify/rules/load';
import { buildView } from '../classify/rules/view';
import { AUTO_DESTINATIONS, type Destination } from '../classify/types';
import type { IndexRecord } from '../index/types';
import { labelledItems } from '../register/changes';
import type { Register } from '../register/sqlite';
import { AigError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { DashboardDeps } from './deps';

/** BullMQ queue of retraining requests, processed in the dashboard process (one at a time). */
export const RETRAIN_QUEUE = 'retrain';
/** One pending retrain at a time: adding this id again while it waits is ignored (BullMQ dedupe),
 *  so a burst of corrections within dashboard.retrainDelayMs makes a single retrain. */
export const RETRAIN_JOB_ID = 'retrain-pending';

export interface RetrainJob {
  requestedBy: string;
}

export interface BacktestFigures {
  total: number;
  correct: number;
  accuracy: number;
}

export interface RetrainReport {
  path: string;
  trainedAt: string;
  corpusSize: number;
  trainingFiles: number;
  correctedItems: number;
  algorithm: string;
  /** The corrected items classified by the model in force and by the new one (same rules). */
  before: BacktestFigures;
  after: BacktestFigures;
  changed: { registerNo: string; label: string; before: string; after: string }[];
}

export async function scheduleRetrain(deps: Pick<DashboardDeps, 'retrainQueue' | 'config'>, actor: string, delayMs?: number): Promise<void> {
  await deps.retrainQueue.add(
    'retrain',
    { requestedBy: actor },
    { jobId: RETRAIN_JOB_ID, delay: delayMs ?? deps.config.dashboard.retrainDelayMs, removeOnComplete: true, removeOnFail: { count: 20 } },
  );
}

export interface RetrainInput {
  register: Register;
  rulePaths: string[];
  modelPath: string;
  trainingDir: string;
  versionsDir: string;
  indexDeps: IndexDeps;
  threshold: number;
  reviewMargin: number;
  /** classify.destinationThresholds; absent: each model's own recommendation applies. */
  destinationThresholds?: DestinationThresholds;
  actor: string;
  folds?: number;
  now?: Date;
}

interface Labelled {
  key: string;
  registerNo: string | null;
  index: IndexRecord;
  receivedAt: Date;
  label: Destination;
}

function toDoc(rules: RuleSet, features: FeatureOptions, classes: Destination[], x: Labelled): CorpusDoc {
  const outcome = evaluateRules(rules, buildView({ index: x.index, receivedAt: x.receivedAt }));
  const force = winningForce(outcome.fired);
  return {
    features: extractFeatures(x.index, features).names,
    label: classes.indexOf(x.label),
    ruleWeights: ruleWeights(outcome.fired, classes),
    forced: force !== null,
    forcedTo: force?.rule.effect.force,
  };
}

function corrected(register: Register): Labelled[] {
  const out: Labelled[] = [];
  for (const l of labelledItems(register, AUTO_DESTINATIONS)) {
    const item = register.getItem(l.itemId);
    if (!item?.index) continue;
    out.push({ key: `item/${item.registerNo}/${l.label}`, registerNo: item.registerNo, index: item.index, receivedAt: new Date(item.receivedAt), label: l.label as Destination });
  }
  return out;
}

export function backtestCorrected(
  model: Model,
  rules: RuleSet,
  items: Labelled[],
  threshold: number,
  reviewMargin: number,
  destinationThresholds?: DestinationThresholds,
): { figures: BacktestFigures; decided: string[] } {
  const clf = createClassifier({ rules, model, threshold, reviewMargin, destinationThresholds });
  const decided = items.map((x) => clf.classify({ index: x.index, receivedAt: x.receivedAt }).destination);
  const correct = decided.filter((d, i) => d === items[i]!.label).length;
  return { figures: { total: items.length, correct, accuracy: items.length ? correct / items.length : 0 }, decided };
}

/**
 * Retrain on config/training + the register's corrected items (their stored index: the message is
 * not fetched again), write a NEW versioned model file (the model in force is not replaced: an
 * admin activates a version after reading its backtest), and record the version.
 */
export async function retrainModel(input: RetrainInput): Promise<RetrainReport> {
  const classes = [...AUTO_DESTINATIONS] as Destination[];
  const rules = loadRules(input.rulePaths);
  const current = loadModel(input.modelPath);
  const features: FeatureOptions = (current.file as { features?: FeatureOptions }).features ?? DEFAULT_FEATURES;
  const files = listLabelledDirs(input.trainingDir).filter((f) => (classes as string[]).includes(f.label));
  const corpus = await indexCorpus(files, input.indexDeps);
  const fromCorpus: Labelled[] = corpus.map((c) => ({ key: `${c.label}/${c.sha256}`, registerNo: null, index: c.index, receivedAt: c.receivedAt, label: c.label as Destination }));
  const fromRegister = corrected(input.register);
  const all = [...fromCorpus, ...fromRegister];
  const result = trainModel(
    all.map((x) => toDoc(rules, features, classes, x)),
    classes,
    { corpusHash: corpusHash(all.map((x) => x.key)), folds: input.folds, threshold: input.threshold, reviewMargin: input.reviewMargin, features },
  );
  const next = modelFromFile(result.file);
  const before = backtestCorrected(current, rules, fromRegister, input.threshold, input.reviewMargin, input.destinationThresholds);
  const after = backtestCorrected(next, rules, fromRegister, input.threshold, input.reviewMargin, input.destinationThresholds);
  const now = input.now ?? new Date();
  fs.mkdirSync(input.versionsDir, { recursive: true });
  const out = path.join(input.versionsDir, `model-${now.toISOString().replace(/[:.]/g, '-')}.json`);
  saveModel(out, result.file);
  const report: RetrainReport = {
    path: out,
    trainedAt: now.toISOString(),
    corpusSize: all.length,
    trainingFiles: fromCorpus.length,
    correctedItems: fromRegister.length,
    algorithm: String(result.file.algorithm),
    before: before.figures,
    after: after.figures,
    changed: fromRegister
      .map((x, i) => ({ registerNo: x.registerNo ?? '', label: x.label, before: before.decided[i]!, after: after.decided[i]! }))
      .filter((c) => c.before !== c.after),
  };
  input.register.db
    .prepare('INSERT INTO model_versions (at, actor, path, report_json) VALUES (?, ?, ?, ?)')
    .run(report.trainedAt, input.actor, out, JSON.stringify(report));
  return report;
}

export interface ModelVersion {
  id: number;
  at: string;
  actor: string;
  path: string;
  report: RetrainReport;
}

export function modelVersions(register: Register, limit = 50): ModelVersion[] {
  return (register.db.prepare('SELECT * FROM model_versions ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[]).map((r) => ({
    id: r.id as number,
    at: r.at as string,
    actor: r.actor as string,
    path: r.path as string,
    report: JSON.parse(r.report_json as string) as RetrainReport,
  }));
}

/** Put a version in force: copied over classify.modelPath (atomically). Workers load it at start. */
export function activateModel(register: Register, id: number, modelPath: string, actor: string): ModelVersion {
  const v = modelVersions(register, 10000).find((m) => m.id === id);
  if (!v) throw new AigError('AIG_ERR_NOT_FOUND', `version de modèle ${id} introuvable`);
  loadModel(v.path); // refuse a damaged file before it replaces the one in force
  const tmp = `${modelPath}.${process.pid}.tmp`;
  fs.copyFileSync(v.path, tmp);
  fs.renameSync(tmp, modelPath);
  register.db.prepare('INSERT INTO model_versions (at, actor, path, report_json) VALUES (?, ?, ?, ?)').run(
    new Date().toISOString(),
    actor,
    modelPath,
    JSON.stringify({ ...v.report, path: modelPath, activatedFrom: v.path }),
  );
  return v;
}

export function createRetrainWorker(input: Omit<RetrainInput, 'actor' | 'now'>, connection: ConnectionOptions, prefix: string, log: Logger): Worker<RetrainJob> {
  const worker = new Worker<RetrainJob>(
    RETRAIN_QUEUE,
    async (job) => {
      const t0 = Date.now();
      const report = await retrainModel({ ...input, actor: job.data.requestedBy });
      log.info({ stage: 'retrain', ms: Date.now() - t0, corpus: report.corpusSize, corrected: report.correctedItems, before: report.before.accuracy, after: report.after.accuracy }, 'model retrained');
      return { path: report.path };
    },
    // Training takes seconds of CPU: one at a time, and a long lock so it is not taken as stalled.
    { connection, prefix, concurrency: 1, lockDuration: 10 * 60 * 1000 },
  );
  worker.on('failed', (job, err) => log.error({ stage: 'retrain', jobId: job?.id, err: err.message }, 'retrain failed'));
  return worker;
}

export type { Queue };
