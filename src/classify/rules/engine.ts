/** Runs a rule set over one message view: which rules fired, with their evidence. */
import type { CompiledRule, RuleSet } from './load';
import type { MessageView } from './view';

export interface FiredRule {
  rule: CompiledRule;
  evidence: string[];
}

export interface RulesOutcome {
  fired: FiredRule[]; // rules that act on the decision
  shadow: FiredRule[]; // shadow rules: recorded only
}

export function evaluateRules(ruleSet: RuleSet, view: MessageView): RulesOutcome {
  const fired: FiredRule[] = [];
  const shadow: FiredRule[] = [];
  for (const rule of ruleSet.rules) {
    const evidence: string[] = [];
    if (!rule.match(view, evidence)) continue;
    (rule.shadow ? shadow : fired).push({ rule, evidence });
  }
  return { fired, shadow };
}

/** The forcing rule that wins: highest priority, then the first in file order. */
export function winningForce(fired: FiredRule[]): FiredRule | null {
  let best: FiredRule | null = null;
  for (const f of fired) {
    if (f.rule.effect.force === undefined) continue;
    if (!best || f.rule.priority > best.rule.priority) best = f;
  }
  return best;
}

/** Sum of the acting rules' weights for each destination, in `classes` order. */
export function ruleWeights(fired: FiredRule[], classes: readonly string[]): number[] {
  return classes.map((d) => fired.reduce((s, f) => s + ((f.rule.effect.weight as Record<string, number> | undefined)?.[d] ?? 0), 0));
}
