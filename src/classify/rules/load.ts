/**
 * Loads the shipped rules file and optional local overrides layered on top (rspamd style): a rule
 * with the same name replaces the earlier one, `{ name, enabled: false }` disables it. A file with
 * any problem is refused whole, with every problem listed and the rule named.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { AigError } from '../../shared/errors';
import { compileCondition, type Matcher } from './compile';
import { disableStubSchema, ruleSchema, rulesFileSchema, type ConditionInput, type RuleInput } from './schema';

export class RulesError extends AigError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('AIG_ERR_RULES', `règles refusées (${problems.length} problème(s)) :\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

export interface CompiledRule {
  name: string;
  description: string;
  group: string;
  shadow: boolean;
  priority: number;
  source: string;
  match: Matcher;
  effect: RuleInput['effect'];
  /** The file order, for stable tie-breaking between forcing rules. */
  order: number;
}

export interface RuleSet {
  rules: CompiledRule[];
  sources: string[];
  loadedAt: Date;
}

function formatIssues(where: string, error: z.ZodError): string[] {
  return error.issues.map((i) => `${where}${i.path.length ? ` [${i.path.join('.')}]` : ''} : ${i.message}`);
}

function isEmptyCondition(c: ConditionInput): boolean {
  return Object.keys(c).length === 0;
}

type Entry = { kind: 'rule'; rule: RuleInput; source: string } | { kind: 'disable'; name: string };

/** Validates one file's text; pushes problems and returns the entries that parsed. */
export function parseRulesText(text: string, source: string, problems: string[]): Entry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    problems.push(`${source} : YAML illisible : ${(err as Error).message}`);
    return [];
  }
  const file = rulesFileSchema.safeParse(raw);
  if (!file.success) {
    problems.push(...formatIssues(source, file.error));
    return [];
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  file.data.rules.forEach((item, i) => {
    const name = typeof (item as { name?: unknown })?.name === 'string' ? (item as { name: string }).name : `#${i + 1}`;
    const where = `${source} règle ${name}`;
    if (seen.has(name)) problems.push(`${where} : nom en double dans le même fichier`);
    seen.add(name);
    const stub = disableStubSchema.safeParse(item);
    if (stub.success) {
      entries.push({ kind: 'disable', name: stub.data.name });
      return;
    }
    const rule = ruleSchema.safeParse(item);
    if (!rule.success) {
      problems.push(...formatIssues(where, rule.error));
      return;
    }
    if (isEmptyCondition(rule.data.when)) {
      problems.push(`${where} : condition "when" vide (la règle se déclencherait sur tout message)`);
      return;
    }
    entries.push({ kind: 'rule', rule: rule.data, source });
  });
  return entries;
}

/** Layers entries in order: later files replace or disable earlier rules of the same name. */
function layer(entries: Entry[]): Map<string, { rule: RuleInput; source: string }> {
  const byName = new Map<string, { rule: RuleInput; source: string }>();
  for (const e of entries) {
    if (e.kind === 'disable') byName.delete(e.name);
    else if (!e.rule.enabled) byName.delete(e.rule.name);
    else byName.set(e.rule.name, { rule: e.rule, source: e.source });
  }
  return byName;
}

export function compileRules(entries: Entry[], sources: string[]): RuleSet {
  const rules: CompiledRule[] = [];
  let order = 0;
  for (const { rule, source } of layer(entries).values()) {
    rules.push({
      name: rule.name,
      description: rule.description,
      group: rule.group,
      shadow: rule.shadow,
      priority: rule.priority,
      source,
      match: compileCondition(rule.when),
      effect: rule.effect,
      order: order++,
    });
  }
  return { rules, sources, loadedAt: new Date() };
}

/**
 * Loads rule files in order (shipped first, overrides after). The first path must exist; later
 * paths (local overrides) are optional and skipped when absent. Throws RulesError listing all
 * problems.
 */
export function loadRules(paths: string[]): RuleSet {
  if (paths.length === 0) throw new RulesError(['aucun fichier de règles indiqué']);
  const problems: string[] = [];
  const entries: Entry[] = [];
  const used: string[] = [];
  paths.forEach((p, i) => {
    if (!existsSync(p)) {
      if (i === 0) problems.push(`${p} : fichier de règles introuvable`);
      return;
    }
    used.push(p);
    entries.push(...parseRulesText(readFileSync(p, 'utf8'), p, problems));
  });
  if (problems.length > 0) throw new RulesError(problems);
  return compileRules(entries, used);
}

/** Same as loadRules for in-memory text (tests, the backtest's candidate file). */
export function loadRulesFromText(text: string, source = '<texte>'): RuleSet {
  const problems: string[] = [];
  const entries = parseRulesText(text, source, problems);
  if (problems.length > 0) throw new RulesError(problems);
  return compileRules(entries, [source]);
}
