/** Public API of the classify stage. */
export { createClassifier, DEFAULT_REVIEW_MARGIN, DEFAULT_THRESHOLD } from './decide';
export type { Classifier, ClassifierOptions } from './decide';
export { loadRules, loadRulesFromText, RulesError } from './rules/load';
export type { RuleSet, CompiledRule } from './rules/load';
export { RulesStore } from './rules/store';
export type { RulesStoreOptions } from './rules/store';
export { loadModel, ModelError, MODEL_FORMAT_VERSION } from './model/linear';
export type { Model } from './model/linear';
export { DESTINATION_LABELS } from './explain';
export { resolveThresholds, thresholdFor } from './thresholds';
export type { DestinationThresholds, ResolvedThresholds, ThresholdSource } from './thresholds';
export * from './types';
