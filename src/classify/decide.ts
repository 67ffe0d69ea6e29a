/**
 * The decision: rules (data) and the statistical model combined into one calibrated confidence,
 * then the thresholds turn it into "routed" or "to-review". Pure and synchronous: everything it
 * needs (rules, model) is loaded before the worker takes jobs.
 *
 * Combination: p = softmax(modelScore / T + Σ rule weights), T fitted by cross-validation at
 * training time. Precedence: forcing rule > thread > no text > thresholds.
 */
import * as explain from './explain';
import { extractFeatures, type FoldedTexts } from './model/features';
import { scoreIndex, scoreMessage, softmax, topContributions, type Model, type ScoredMessage } from './model/linear';
import { evaluateRules, winningForce, type FiredRule } from './rules/engine';
import type { RuleSet } from './rules/load';
import type { RulesStore } from './rules/store';
import { checkDestinationThresholds, isConfident, resolveThresholds, thresholdFor, type DestinationThresholds } from './thresholds';
import { buildView, type MessageView } from './rules/view';
import { AUTO_DESTINATIONS, type ClassifyInput, type Decision, type Destination, type Reason } from './types';

export interface ClassifierOptions {
  rules: RulesStore | RuleSet;
  model: Model;
  /** Minimum calibrated confidence to route automatically (0..1): the fallback for a destination
   *  without its own threshold. */
  threshold?: number;
  /** Threshold per predicted destination. Absent: the model file's recommendation (chosen out of
   *  fold at training time), else `threshold` alone; `{}` switches per-destination thresholds off. */
  destinationThresholds?: DestinationThresholds;
  /** Minimum gap between the best and second-best confidence to route automatically. */
  reviewMargin?: number;
  /** Confidence reported when a reply follows its thread. */
  threadConfidence?: number;
  /** Confidence of a forcing rule that does not state one. */
  forcedConfidence?: number;
}

export const DEFAULT_THRESHOLD = 0.6;
export const DEFAULT_REVIEW_MARGIN = 0.1;
const MODEL_WORDS = 6;

export interface Classifier {
  classify(input: ClassifyInput): Decision;
}

function checkUnit(name: string, v: number): number {
  if (!(v >= 0 && v <= 1)) throw new RangeError(`createClassifier: ${name} must be a number in [0, 1], got ${v}`);
  return v;
}

function isAuto(d: string | null | undefined): d is Destination {
  return typeof d === 'string' && (AUTO_DESTINATIONS as readonly string[]).includes(d);
}

interface Context {
  fired: FiredRule[];
  reasons: Reason[];
  probs: number[];
  ranked: { destination: Destination; score: number }[];
  review: boolean;
}

export function createClassifier(opts: ClassifierOptions): Classifier {
  const threshold = checkUnit('threshold', opts.threshold ?? DEFAULT_THRESHOLD);
  const margin = checkUnit('reviewMargin', opts.reviewMargin ?? DEFAULT_REVIEW_MARGIN);
  const threadConf = checkUnit('threadConfidence', opts.threadConfidence ?? 0.9);
  const forcedConf = checkUnit('forcedConfidence', opts.forcedConfidence ?? 0.95);
  const { model } = opts;
  const thresholds = resolveThresholds(
    threshold,
    opts.destinationThresholds && checkDestinationThresholds(opts.destinationThresholds, 'createClassifier: destinationThresholds'),
    model.file.recommended?.destinationThresholds,
  );
  const currentRules = (): RuleSet => ('current' in opts.rules ? opts.rules.current() : opts.rules);

  function modelPart(input: ClassifyInput, fired: FiredRule[], view: MessageView) {
    // The view already folded subject and text once for the rules: the features reuse them.
    const folded = { subject: view.subject, text: view.text };
    const scored = scoreIndex(model, input.index, folded) ?? viaFeatureNames(input, folded);
    const { temperature: t, ruleScale } = model.file;
    const logits = scored.scores.map((s, c) => s / t + ruleScale * ruleWeight(fired, model.classes[c]!));
    const probs = softmax(logits);
    const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
    const ranked = order.map((i) => ({ destination: model.classes[i]!, score: round(probs[i]!) }));
    // A word's stem, prefix and letter n-grams weigh together and are shown as that word.
    const words = topContributions(model, scored, order[0]!, order[1]!, MODEL_WORDS).map((c) =>
      explain.featureWord(c.feature, (f) => (c.origin >= 0 ? scored.wordAt(c.origin) : f)),
    );
    const reason = explain.modelReason(ranked[0]!.destination, ranked[1]!.destination, [...new Set(words)], probs[order[0]!]!);
    return { probs, ranked, reason };
  }

  /** A model with word prefixes, compounds or bigrams: scored from its feature names. */
  function viaFeatureNames(input: ClassifyInput, folded: FoldedTexts): ScoredMessage {
    const feats = extractFeatures(input.index, model.file.features, folded);
    return { ...scoreMessage(model, feats), wordAt: feats.wordAt };
  }

  function finish(ctx: Context, destination: Destination, routed: boolean, confidence: number): Decision {
    const status = routed && !ctx.review ? 'routed' : 'to-review';
    const final: Destination = status === 'routed' ? destination : 'secretariat';
    const copies = new Set<string>();
    const tags = new Set<string>();
    for (const f of ctx.fired) {
      for (const c of f.rule.effect.copies ?? []) copies.add(c);
      for (const t of f.rule.effect.tags ?? []) tags.add(t);
    }
    copies.delete(final);
    // Best first, with the decided destination on top when a rule or thread chose it.
    const suggestions = [{ destination, score: round(confidence) }, ...ctx.ranked.filter((r) => r.destination !== destination)];
    const runner = suggestions[1];
    if (runner) ctx.reasons.push(explain.runnerUpReason(runner.destination, runner.score));
    return { destination: final, status, confidence: round(confidence), reasons: ctx.reasons, suggestions, copies: [...copies], tags: [...tags] };
  }

  function classify(input: ClassifyInput): Decision {
    const view = buildView(input);
    const outcome = evaluateRules(currentRules(), view);
    const reasons: Reason[] = outcome.fired.map(explain.ruleReason);
    reasons.push(...outcome.shadow.map(explain.shadowReason));
    const m = modelPart(input, outcome.fired, view);
    const review = outcome.fired.some((f) => f.rule.effect.review === true);
    const ctx: Context = { fired: outcome.fired, reasons, probs: m.probs, ranked: m.ranked, review };

    const force = winningForce(outcome.fired);
    if (force) return finish(ctx, force.rule.effect.force!, true, force.rule.effect.confidence ?? forcedConf);

    const thread = input.threadDestination;
    if (thread !== undefined && thread !== null && thread !== '') {
      reasons.push(explain.threadReason(thread, isAuto(thread)));
      const dest: Destination = isAuto(thread) ? thread : 'secretariat';
      const p = m.probs[model.classes.indexOf(dest)] ?? 0;
      return finish(ctx, dest, true, Math.max(threadConf, p));
    }

    reasons.push(m.reason);
    if (!input.index.textAvailable) {
      reasons.push(explain.NO_TEXT_REASON);
      return finish(ctx, m.ranked[0]!.destination, false, m.ranked[0]!.score);
    }
    const best = m.ranked[0]!;
    const gap = best.score - (m.ranked[1]?.score ?? 0);
    const applied = thresholdFor(thresholds, best.destination);
    const confident = isConfident(thresholds, best.destination, best.score, gap, margin);
    reasons.push(
      confident
        ? explain.thresholdMetReason(best.destination, best.score, applied, thresholds.source)
        : explain.thresholdReason(best.destination, best.score, applied, gap, margin, thresholds.source),
    );
    return finish(ctx, best.destination, confident, best.score);
  }

  return { classify };
}

function ruleWeight(fired: FiredRule[], d: Destination): number {
  let w = 0;
  for (const f of fired) w += f.rule.effect.weight?.[d] ?? 0;
  return w;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
