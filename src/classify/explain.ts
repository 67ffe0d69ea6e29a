/** Plain-French wording of decisions, for the supervisors who read them in the dashboard. */
import type { FiredRule } from './rules/engine';
import type { ThresholdSource } from './thresholds';
import type { Destination, Reason } from './types';

export const DESTINATION_LABELS: Record<Destination, string> = {
  secretariat: 'Secrétariat',
  legislation: 'Législation applicable (DAJ)',
  prestations: 'Prestations (DAJ)',
  linguistique: 'Services linguistiques',
  pcn: 'Point de contact national (soins transfrontaliers)',
};

export function label(d: string): string {
  return (DESTINATION_LABELS as Record<string, string>)[d] ?? d;
}

function pct(p: number): string {
  return `${Math.round(p * 100)} %`;
}

/** The destination a rule pushes towards most (for the reason's `destination`). */
function ruleDestination(f: FiredRule): { destination?: string; weight?: number } {
  const e = f.rule.effect;
  if (e.force) return { destination: e.force };
  const entries = Object.entries(e.weight ?? {}) as [string, number][];
  if (entries.length === 0) return {};
  const [destination, weight] = entries.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0]!;
  return { destination, weight };
}

function withEvidence(text: string, evidence: string[]): string {
  const uniq = [...new Set(evidence)].slice(0, 4);
  return uniq.length ? `${text} (${uniq.join(', ')})` : text;
}

export function ruleReason(f: FiredRule): Reason {
  return { kind: 'rule', rule: f.rule.name, ...ruleDestination(f), text: withEvidence(f.rule.description, f.evidence) };
}

/** What a shadow rule would have done, recorded without acting. */
export function shadowReason(f: FiredRule): Reason {
  const e = f.rule.effect;
  const { destination, weight } = ruleDestination(f);
  let would: string;
  if (e.force) would = `aurait orienté vers « ${label(e.force)} »`;
  else if (e.review) would = 'aurait demandé une vérification humaine';
  else if (destination !== undefined && weight !== undefined)
    would = `aurait ${weight >= 0 ? 'favorisé' : 'défavorisé'} « ${label(destination)} » (poids ${weight})`;
  else would = 'aurait ajouté des étiquettes ou des copies';
  return {
    kind: 'shadow',
    rule: f.rule.name,
    destination,
    weight,
    text: withEvidence(`Règle en observation ${f.rule.name} : ${would} — ${f.rule.description}`, f.evidence),
  };
}

/** "formulaire S2" for index facts, the word as written (accents kept) for ordinary words. */
export function featureWord(feature: string, surfaceOf: (feature: string) => string): string {
  if (feature.startsWith('#form:')) return `formulaire ${feature.slice(6)}`;
  if (feature.startsWith('#kind:')) return `expéditeur « ${feature.slice(6)} »`;
  if (feature.startsWith('#lang:')) return `langue ${feature.slice(6)}`;
  if (feature.startsWith('#att:')) return `pièce jointe ${feature.slice(5)}`;
  if (feature.startsWith('#')) return feature.slice(1);
  return surfaceOf(feature);
}

export function modelReason(winner: string, runnerUp: string, words: string[], p: number): Reason {
  const list = words.length ? words.map((w) => `« ${w} »`).join(', ') : 'aucun mot marquant';
  return {
    kind: 'model',
    destination: winner,
    features: words,
    text: `Modèle statistique : « ${label(winner)} » à ${pct(p)} ; mots qui ont pesé pour ce choix plutôt que « ${label(runnerUp)} » : ${list}`,
  };
}

export function runnerUpReason(d: string, p: number): Reason {
  return { kind: 'info', destination: d, text: `Deuxième choix : « ${label(d)} » (${pct(p)})` };
}

/** "seuil pour pcn : 0.70 (recommandé par le modèle)": which threshold applied, and whose it is. */
export function thresholdText(best: string, threshold: number, source: ThresholdSource): string {
  const whose = source === 'configuration' ? 'configuré' : source === 'model' ? 'recommandé par le modèle' : 'seuil général';
  return `seuil pour ${best} : ${threshold.toFixed(2)} (${whose})`;
}

export function thresholdReason(best: string, p: number, threshold: number, gap: number, margin: number, source: ThresholdSource = 'global'): Reason {
  const why =
    p < threshold ? `confiance ${pct(p)} inférieure au ${thresholdText(best, threshold, source)}` : `écart de ${pct(gap)} avec le deuxième choix, sous la marge de ${pct(margin)} (${thresholdText(best, threshold, source)}, atteint)`;
  return { kind: 'threshold', destination: best, text: `À vérifier : ${why} ; meilleure proposition « ${label(best)} »` };
}

/** A routed model decision says which threshold it met (they differ by destination). */
export function thresholdMetReason(best: string, p: number, threshold: number, source: ThresholdSource): Reason {
  return { kind: 'info', destination: best, text: `Orienté automatiquement : confiance ${pct(p)}, ${thresholdText(best, threshold, source)}` };
}

export function threadReason(dest: string, followed: boolean): Reason {
  return {
    kind: 'thread',
    destination: dest,
    text: followed
      ? `Réponse à un message déjà enregistré, orienté vers « ${label(dest)} » : la réponse suit le message d'origine`
      : `Réponse à un message enregistré pour « ${dest} » (unité sans tri automatique) : le secrétariat transmet`,
  };
}

export const NO_TEXT_REASON: Reason = {
  kind: 'info',
  text: 'Texte non disponible (pièce jointe numérisée sans couche texte) : lecture humaine nécessaire',
};
