import fs from 'node:fs';
import { createClassifier, loadModel, RulesStore } from '../classify';
import type { Config } from '../config/schema';
import { loadSenderDirectory } from '../index';
import { validateLimits } from '../parse';
import type { Logger } from '../shared/logger';
import type { AnalyseDeps } from '../triage/analyse';

export interface AnalysisRuntime {
  deps: AnalyseDeps;
  rules: RulesStore;
}

/**
 * Load everything the offline path needs — limits, sender directory, rules, model — before any job is
 * taken. A missing or unreadable model or rules file throws here, so the process refuses to start.
 */
export function loadAnalysis(config: Readonly<Config>, log: Logger, opts: { watchRules?: boolean; rulesPath?: string } = {}): AnalysisRuntime {
  const limits = validateLimits({ ...config.limits });
  const senders = loadSenderDirectory(fs.readFileSync(config.index.sendersPath, 'utf8'));
  const rulePaths = [opts.rulesPath ?? config.classify.rulesPath];
  if (!opts.rulesPath && fs.existsSync(config.classify.localRulesPath)) rulePaths.push(config.classify.localRulesPath);
  const rules = new RulesStore(rulePaths, {
    onReload: (r) => log.info({ rules: r.rules.length }, 'rules reloaded'),
    onError: (err: Error) => log.error({ err: err.message }, 'rules reload refused; the last good rules stay in force'),
  });
  if (opts.watchRules) rules.start();
  const model = loadModel(config.classify.modelPath);
  const classifier = createClassifier({
    rules,
    model,
    threshold: config.classify.threshold,
    // Absent from the configuration: the model file's recommended per-destination thresholds.
    destinationThresholds: config.classify.destinationThresholds,
    reviewMargin: config.classify.reviewMargin,
  });
  return { deps: { limits, senders, scannerAddresses: [...config.index.scannerAddresses], classifier }, rules };
}
