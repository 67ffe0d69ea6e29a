/**
 * `aiguillage register show NUMBER`: one register line in full — every index field, the decision,
 * the sources and the history. NIRs are masked unless the caller allowed them (see register.ts).
 */
import type { IndexRecord } from '../index/types';
import { frenchDate, STATUS_LABELS } from '../register/export';
import type { Register } from '../register/sqlite';
import type { HistoryEntry, Item, SourceRow } from '../register/types';
import { maskNir, maskNirsInText } from '../shared/privacy';

/** Characters of index.text printed by the text view (`--json` prints it all). */
export const SHOW_TEXT_CHARS = 2000;

export interface ShowData {
  item: Item;
  sources: SourceRow[];
  history: HistoryEntry[];
}

export function loadShowData(r: Register, registerNo: string): ShowData | null {
  const item = r.getByNumber(registerNo);
  return item ? { item, sources: r.sourcesOf(item.id), history: r.history(item.id) } : null;
}

/** A copy where every NIR (identifiers and free text) is masked. */
export function maskShowData(d: ShowData): ShowData {
  const m = (s: string | null) => (s === null ? null : maskNirsInText(s));
  const ix = d.item.index;
  const index: IndexRecord | null = ix && {
    ...ix,
    sender: { ...ix.sender, name: maskNirsInText(ix.sender.name) },
    subject: maskNirsInText(ix.subject),
    text: maskNirsInText(ix.text),
    identifiers: { ...ix.identifiers, nir: ix.identifiers.nir.map(maskNir) },
  };
  const decision = d.item.decision && { ...d.item.decision, reasons: d.item.decision.reasons.map((x) => ({ ...x, text: maskNirsInText(x.text) })) };
  return {
    item: { ...d.item, subject: m(d.item.subject), senderName: m(d.item.senderName), error: m(d.item.error), index, decision },
    sources: d.sources,
    history: d.history.map((h) => ({ ...h, fromValue: m(h.fromValue), toValue: m(h.toValue), reason: m(h.reason) })),
  };
}

const list = (xs: readonly string[]) => (xs.length ? xs.join(', ') : '—');
const line = (label: string, value: string | number | null | undefined) => `${label.padEnd(24)} ${value === null || value === undefined || value === '' ? '—' : value}`;

function itemLines(it: Item): string[] {
  return [
    line("N° d'enregistrement", it.registerNo),
    line('Reçu le', frenchDate(it.receivedAt)),
    line('Enregistré le', frenchDate(it.registeredAt)),
    line('Échéance', frenchDate(it.deadline, false)),
    line('Canal', it.channel),
    line('Statut', `${STATUS_LABELS[it.status] ?? it.status} (${it.status})`),
    line('Destination', it.destination),
    line('Confiance', it.confidence === null ? null : it.confidence.toFixed(2)),
    line('Message-ID', it.messageId),
    ...(it.error ? [line('Erreur', it.error)] : []),
  ];
}

function indexLines(ix: IndexRecord): string[] {
  const ids = ix.identifiers;
  const s = ix.sender;
  return [
    '',
    'Index',
    line('  Expéditeur', `${s.name ? `${s.name} ` : ''}<${s.address}> (domaine ${s.domain || '—'})`),
    line('  Organisme', s.organisation),
    line('  Type d’expéditeur', s.kind),
    line('  Destinataires', list(ix.recipients)),
    line('  Objet', ix.subject),
    line('  Langue', `${ix.language} (détectées : ${list(ix.languages)})`),
    line('  Texte disponible', ix.textAvailable ? 'oui' : 'non'),
    line('  NIR', list(ids.nir)),
    line('  SIREN', list(ids.siren)),
    line('  SIRET', list(ids.siret)),
    line('  Formulaires', list(ids.forms)),
    line('  Réf. de dossier', list(ids.caseRefs)),
    line('  Réf. expéditeur', list(ids.senderRefs)),
    line('  Pays', list(ids.countries)),
    line('  Fil: Message-ID', ix.thread.messageId),
    line('  Fil: In-Reply-To', ix.thread.inReplyTo),
    line('  Fil: References', list(ix.thread.references)),
    line('  Pièces jointes', ix.attachments.length),
    ...ix.attachments.map((a) => `    - ${a.name} (${a.type}, ${a.size} octets, texte : ${a.textStatus})`),
  ];
}

function decisionLines(it: Item): string[] {
  const d = it.decision;
  if (!d) return ['', 'Décision                 —'];
  return [
    '',
    'Décision',
    line('  Destination', d.destination),
    line('  Statut', d.status),
    line('  Confiance', d.confidence.toFixed(2)),
    '  Motifs',
    ...d.reasons.map((r) => `    - [${r.kind}${r.rule ? ` ${r.rule}` : ''}${r.destination ? ` → ${r.destination}` : ''}] ${r.text}`),
    line('  Suggestions', list(d.suggestions.map((x) => `${x.destination} (${x.score.toFixed(2)})`))),
    line('  Copies', list(d.copies)),
    line('  Étiquettes', list(d.tags)),
  ];
}

function textLines(ix: IndexRecord | null): string[] {
  if (!ix) return [];
  const text = ix.text;
  const more = text.length > SHOW_TEXT_CHARS ? [`  (… ${text.length - SHOW_TEXT_CHARS} caractères de plus : --json pour tout le texte)`] : [];
  const shown = text === '' ? ['  — (vide, ou effacé par la durée de conservation)'] : text.slice(0, SHOW_TEXT_CHARS).split(/\r?\n/).map((l) => `  ${l}`);
  return ['', `Texte (${text.length} caractères)`, ...shown, ...more];
}

/** The readable view, one string per output line (data already masked as needed). */
export function showLines(d: ShowData): string[] {
  const sources = d.sources.map(
    (s) => `  - ${s.mailbox}/${s.uidValidity}/${s.uid} vu le ${frenchDate(s.seenAt)}${s.folder ? `, dossier ${s.folder}` : ''}${s.movedAt ? ` (déplacé le ${frenchDate(s.movedAt)})` : ''}`,
  );
  const history = d.history.map(
    (h) => `  - ${frenchDate(h.at)} ${h.actor} ${h.action}${h.fromValue || h.toValue ? ` : ${h.fromValue ?? '—'} → ${h.toValue ?? '—'}` : ''}${h.reason ? ` (${h.reason})` : ''}`,
  );
  return [
    ...itemLines(d.item),
    ...(d.item.index ? indexLines(d.item.index) : ['', 'Index                    — (message non indexé)']),
    ...decisionLines(d.item),
    '',
    'Sources',
    ...sources,
    '',
    'Historique',
    ...history,
    ...textLines(d.item.index),
  ];
}
