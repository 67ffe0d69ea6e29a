/**
 * Calibration of the combined confidence, fitted on out-of-fold scores: the worker computes
 * p = softmax(modelScore / T + ruleScale × Σ rule weights). Tried and left out (cross-validated
 * on config/training): per-class logit biases (in-sample gain only: fitted on 4/5 of the
 * out-of-fold scores and measured on the rest, log-loss 0.1855 → 0.1856) and ranking by the
 * margin between the two best classes instead of the best probability (AUC of "the best
 * suggestion is right" 0.915 → 0.916: no gain over the threshold + reviewMargin pair).
 */
import { logLoss } from '../metrics';
import { softmax } from './linear';

export interface Calibration {
  temperature: number;
  ruleScale: number;
}

export function combine(scores: number[], ruleWeights: number[], cal: Calibration): number[] {
  return softmax(scores.map((s, c) => s / cal.temperature + cal.ruleScale * ruleWeights[c]!));
}

/** Rule weights are written by people in round numbers: a global scale is fitted with T. */
const RULE_SCALES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];

export function fitCalibration(scores: number[][], ruleWeights: number[][], labels: number[]): Calibration {
  let best = { temperature: 1, ruleScale: 1, loss: Infinity };
  for (const ruleScale of RULE_SCALES) {
    const temperature = fitTemperature(scores, ruleWeights, labels, ruleScale);
    const loss = logLoss(scores.map((s, i) => combine(s, ruleWeights[i]!, { temperature, ruleScale })), labels);
    if (loss < best.loss) best = { temperature, ruleScale, loss };
  }
  return { temperature: best.temperature, ruleScale: best.ruleScale };
}

/** Golden-section search of log T minimising log-loss. */
export function fitTemperature(scores: number[][], ruleWeights: number[][], labels: number[], ruleScale = 1): number {
  const loss = (logT: number) => logLoss(scores.map((s, i) => combine(s, ruleWeights[i]!, { temperature: Math.exp(logT), ruleScale })), labels);
  let lo = Math.log(0.01);
  let hi = Math.log(100);
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (loss(a) < loss(b)) hi = b;
    else lo = a;
  }
  return Math.exp((lo + hi) / 2);
}
