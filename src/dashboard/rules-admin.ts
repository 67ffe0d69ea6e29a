import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClassifier } from '../classify/decide';
import type { DestinationThresholds } from '../classify/thresholds';
import type { Model } from '../classify/model/linear';
import { loadRules, RulesError, type CompiledRule, type RuleSet } from '../classify/rules/load';
import type { Decision } from '../classify/types';
import type { IndexRecord } from '../index/types';
import { labelledItems } from '../register/changes';
import type { Register } from '../register/sqlite';
import { AUTO_DESTINATIONS } from '../classify/types';

/** The decision's thresholds for a replay: `destinationThresholds` absent means the model file's
 *  recommended per-destination thresholds, as in the worker. */
export interface ReplayOptions {
  threshold: number;
  reviewMargin: number;
  destinationThresholds?: DestinationThresholds;
}

/**
 * What the admin's rules page computes: per-rule statistics from the decisions recorded in the
 * register, counterfactual replays (without a rule, or with a shadow rule switched on), validation
 * and backtest of a candidate local rules file, and the saved versions with their diffs.
 */
export interface RuleStat {
  rule: CompiledRule;
  target: string | null;
  fired: number;
  /** Replayed without this rule, the decision would differ (= the rule changed it). */
  changed: number;
  /** Of the fired items a person labelled (reassigned or confirmed), how many went to target. */
  labelled: number;
  agreed: number;
}

interface Decided {
  id: number;
  registerNo: string;
  index: IndexRecord;
  receivedAt: Date;
  decision: Decision;
  label: string | null;
}

const MAX_ITEMS = 5000;
const MAX_REPLAYS_PER_RULE = 500;

export function targetOf(rule: CompiledRule): string | null {
  if (rule.effect.force) return rule.effect.force;
  const w = Object.entries((rule.effect.weight ?? {}) as Record<string, number>).sort((a, b) => b[1] - a[1]);
  return w[0] && w[0][1] > 0 ? w[0][0] : null;
}

export function decidedItems(register: Register): Decided[] {
  const labels = new Map(labelledItems(register, AUTO_DESTINATIONS).map((l) => [l.itemId, l.label]));
  const rows = register.db
    .prepare('SELECT id, register_no, received_at, decision_json, index_json FROM items WHERE decision_json IS NOT NULL AND index_json IS NOT NULL ORDER BY id DESC LIMIT ?')
    .all(MAX_ITEMS) as Record<string, string | number>[];
  return rows.map((r) => ({
    id: r.id as number,
    registerNo: r.register_no as string,
    receivedAt: new Date(r.received_at as string),
    decision: JSON.parse(r.decision_json as string) as Decision,
    index: JSON.parse(r.index_json as string) as IndexRecord,
    label: labels.get(r.id as number) ?? null,
  }));
}

function firedIn(d: Decision, kind: 'rule' | 'shadow'): Set<string> {
  return new Set(d.reasons.filter((r) => r.kind === kind && r.rule).map((r) => r.rule!));
}

function replay(rules: CompiledRule[], base: RuleSet, model: Model, opts: ReplayOptions, items: Decided[]): Decision[] {
  const clf = createClassifier({ rules: { ...base, rules }, model, ...opts });
  return items.map((x) => clf.classify({ index: x.index, receivedAt: x.receivedAt }));
}

export function ruleStats(set: RuleSet, model: Model, items: Decided[], opts: ReplayOptions): { active: RuleStat[]; shadow: (RuleStat & { wouldChange: { registerNo: string; from: string; to: string }[] })[] } {
  const active: RuleStat[] = [];
  const shadow: (RuleStat & { wouldChange: { registerNo: string; from: string; to: string }[] })[] = [];
  for (const rule of set.rules) {
    const target = targetOf(rule);
    const hits = items.filter((x) => firedIn(x.decision, rule.shadow ? 'shadow' : 'rule').has(rule.name));
    const labelled = hits.filter((x) => x.label !== null);
    const stat = { rule, target, fired: hits.length, changed: 0, labelled: labelled.length, agreed: labelled.filter((x) => x.label === target).length };
    const sample = hits.slice(0, MAX_REPLAYS_PER_RULE);
    if (rule.shadow) {
      const on = set.rules.map((r) => (r === rule ? { ...r, shadow: false } : r));
      const after = replay(on, set, model, opts, sample);
      const wouldChange = sample
        .map((x, i) => ({ registerNo: x.registerNo, from: x.decision.destination as string, to: after[i]!.destination as string }))
        .filter((c) => c.from !== c.to);
      shadow.push({ ...stat, changed: wouldChange.length, wouldChange });
    } else {
      const without = replay(set.rules.filter((r) => r !== rule), set, model, opts, sample);
      stat.changed = sample.filter((x, i) => without[i]!.destination !== x.decision.destination || without[i]!.status !== x.decision.status).length;
      active.push(stat);
    }
  }
  return { active, shadow };
}

/** Load shipped rules + the candidate local file exactly as the workers would; problems name the local file. */
export function validateCandidate(text: string, rulesPath: string, localRulesPath: string): { rules: RuleSet | null; problems: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-rules-'));
  const tmp = path.join(dir, path.basename(localRulesPath));
  try {
    fs.writeFileSync(tmp, text);
    return { rules: loadRules([rulesPath, tmp]), problems: [] };
  } catch (err) {
    if (err instanceof RulesError) return { rules: null, problems: err.problems.map((p) => p.split(tmp).join(localRulesPath)) };
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface BacktestChange {
  registerNo: string;
  label: string;
  before: string;
  after: string;
}

/** The candidate against the rules in force on the register's human-labelled items. */
export function backtestRules(current: RuleSet, candidate: RuleSet, model: Model, items: Decided[], opts: ReplayOptions) {
  const labelled = items.filter((x) => x.label !== null);
  const a = replay(current.rules, current, model, opts, labelled);
  const b = replay(candidate.rules, candidate, model, opts, labelled);
  const changes: BacktestChange[] = labelled
    .map((x, i) => ({ registerNo: x.registerNo, label: x.label!, before: a[i]!.destination as string, after: b[i]!.destination as string }))
    .filter((c) => c.before !== c.after);
  const correct = (ds: Decision[]) => ds.filter((d, i) => d.destination === labelled[i]!.label).length;
  return { total: labelled.length, correctBefore: correct(a), correctAfter: correct(b), changes };
}

export interface RuleVersion {
  id: number;
  at: string;
  actor: string;
  path: string;
  text: string;
  comment: string | null;
}

export function ruleVersions(register: Register): RuleVersion[] {
  return (register.db.prepare('SELECT * FROM rule_versions ORDER BY id DESC').all() as Record<string, unknown>[]).map((r) => ({
    id: r.id as number,
    at: r.at as string,
    actor: r.actor as string,
    path: r.path as string,
    text: r.text as string,
    comment: (r.comment as string | null) ?? null,
  }));
}

/**
 * Write the local rules file (tmp + rename, so the workers' RulesStore never reads half a file) and
 * keep the version. The file as it was before the first save through the dashboard is kept too,
 * so the very first change can be rolled back.
 */
export function saveRulesVersion(register: Register, localRulesPath: string, text: string, actor: string, comment: string | null): number {
  const now = new Date().toISOString();
  return register.db
    .transaction(() => {
      const none = (register.db.prepare('SELECT COUNT(*) AS n FROM rule_versions').get() as { n: number }).n === 0;
      if (none) {
        const before = fs.existsSync(localRulesPath) ? fs.readFileSync(localRulesPath, 'utf8') : '';
        register.db.prepare('INSERT INTO rule_versions (at, actor, path, text, comment) VALUES (?, ?, ?, ?, ?)').run(now, 'aiguillage', localRulesPath, before, 'état avant la première modification');
      }
      const res = register.db.prepare('INSERT INTO rule_versions (at, actor, path, text, comment) VALUES (?, ?, ?, ?, ?)').run(now, actor, localRulesPath, text, comment);
      fs.mkdirSync(path.dirname(localRulesPath), { recursive: true });
      const tmp = `${localRulesPath}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, localRulesPath);
      return Number(res.lastInsertRowid);
    })
    .immediate();
}

/** Line diff (longest common subsequence): ' ' kept, '+' added, '-' removed. */
export function lineDiff(a: string, b: string): { op: ' ' | '+' | '-'; line: string }[] {
  const x = a.split('\n').slice(0, 3000);
  const y = b.split('\n').slice(0, 3000);
  const n = x.length;
  const m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i]![j] = x[i] === y[j] ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
  const out: { op: ' ' | '+' | '-'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) out.push({ op: ' ', line: x[i++]! }), j++;
    else if (L[i + 1]![j]! >= L[i]![j + 1]!) out.push({ op: '-', line: x[i++]! });
    else out.push({ op: '+', line: y[j++]! });
  }
  while (i < n) out.push({ op: '-', line: x[i++]! });
  while (j < m) out.push({ op: '+', line: y[j++]! });
  return out;
}
