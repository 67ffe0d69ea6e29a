import type Database from 'better-sqlite3';
import type { Decision } from '../classify/types';
import type { IndexRecord } from '../index/types';
import { AigError } from '../shared/errors';
import { maskNir, maskNirsInText } from '../shared/privacy';
import { dayStartUtc, parseDay, REGISTER_TIME_ZONE } from './search';

/**
 * CSV export of the register in the shape of a secretariat's register book (registre du courrier).
 * Written for French Excel: `;` separator (Excel in a French locale splits on `;` because `,` is
 * the decimal mark), decimal comma, dates dd/mm/yyyy hh:mm in Paris time, CRLF line ends and a
 * UTF-8 BOM (without it Excel reads the file as Windows-1252 and breaks the accents).
 */

export const CSV_SEPARATOR = ';';
const BOM = '\uFEFF';
const CRLF = '\r\n';

export const EXPORT_COLUMNS = [
  "N° d'enregistrement",
  'Date de réception',
  "Date d'enregistrement",
  'Canal',
  'Expéditeur',
  'Organisme',
  "Type d'expéditeur",
  'Objet',
  'Langue',
  'Destination',
  'Statut',
  'Confiance',
  'Copies',
  'Formulaires',
  'Pays',
  'Références',
  'NIR',
  'Échéance',
  'Pièces jointes',
] as const;

const KIND_LABELS: Record<string, string> = {
  individual: 'Particulier',
  employer: 'Employeur',
  lawyer: 'Avocat',
  'french-institution': 'Institution française',
  'foreign-institution': 'Institution étrangère',
  'eu-body': "Organe de l'Union européenne",
  'contact-point': 'Point de contact',
  'translation-provider': 'Prestataire de traduction',
  other: 'Autre',
};

export const STATUS_LABELS: Record<string, string> = {
  'auto-routed': 'Aiguillé automatiquement',
  'to-review': 'À vérifier',
  error: 'Erreur',
  handled: 'Traité',
};

export interface ExportOptions {
  /** First and last day received, inclusive, YYYY-MM-DD (Paris days). */
  from: string;
  to: string;
  /** Print NIRs in full (the caller checks the user's right to); masked by default. */
  showNir?: boolean;
  /** Destination id → label (organisation.yaml); the id is printed when absent. */
  destinationLabels?: ReadonlyMap<string, string>;
}

// OWASP "CSV injection": a cell starting with one of these is run as a formula by spreadsheet
// software. The full-width forms are included because some spreadsheets normalise them.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One CSV cell: formula-injection guard, then RFC 4180 quoting when needed. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(CSV_SEPARATOR);
}

const dateTimeFmt = new Intl.DateTimeFormat('fr-FR', {
  timeZone: REGISTER_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dateFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: REGISTER_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** dd/mm/yyyy hh:mm (or dd/mm/yyyy) in Paris time; '' for null. */
export function frenchDate(iso: string | null, withTime = true): string {
  if (!iso) return '';
  return (withTime ? dateTimeFmt : dateFmt).format(new Date(iso)).replace(',', '');
}

interface ExportRow {
  register_no: string;
  received_at: string;
  registered_at: string;
  deadline: string | null;
  channel: string;
  sender_address: string | null;
  sender_name: string | null;
  sender_kind: string | null;
  sender_org: string | null;
  subject: string | null;
  language: string | null;
  destination: string;
  status: string;
  confidence: number | null;
  decision_json: string | null;
  index_json: string | null;
}

function senderCell(name: string | null, address: string | null): string {
  if (name && address) return `${name} <${address}>`;
  return name || address || '';
}

function rowCells(r: ExportRow, opts: ExportOptions): string[] {
  const ix = r.index_json ? (JSON.parse(r.index_json) as IndexRecord) : null;
  const d = r.decision_json ? (JSON.parse(r.decision_json) as Decision) : null;
  const ids = ix?.identifiers;
  // Free text (subject, sender name) can carry a NIR too.
  const text = (s: string | null) => (s === null ? '' : opts.showNir ? s : maskNirsInText(s));
  return [
    r.register_no,
    frenchDate(r.received_at),
    frenchDate(r.registered_at),
    r.channel,
    text(senderCell(r.sender_name, r.sender_address)),
    text(r.sender_org),
    r.sender_kind ? KIND_LABELS[r.sender_kind] ?? r.sender_kind : '',
    text(r.subject),
    r.language ?? '',
    opts.destinationLabels?.get(r.destination) ?? r.destination,
    STATUS_LABELS[r.status] ?? r.status,
    r.confidence === null ? '' : r.confidence.toFixed(2).replace('.', ','),
    (d?.copies ?? []).join(', '),
    (ids?.forms ?? []).join(', '),
    (ids?.countries ?? []).join(', '),
    [...(ids?.caseRefs ?? []), ...(ids?.senderRefs ?? [])].join(', '),
    (ids?.nir ?? []).map((n) => (opts.showNir ? n : maskNir(n))).join(', '),
    frenchDate(r.deadline, false),
    ix ? String(ix.attachments.length) : '',
  ];
}

/**
 * The register lines received from `from` to `to` (inclusive), in register order, as CSV text
 * (BOM, header line, CRLF). NIRs are masked unless `showNir`.
 */
export function exportRegisterCsv(db: Database.Database, opts: ExportOptions): { csv: string; rows: number } {
  const from = dayStartUtc(parseDay('from', opts.from));
  const to = dayStartUtc(parseDay('to', opts.to), 1);
  if (to <= from) throw new AigError('AIG_ERR_USAGE', `to: ${opts.to} is before from: ${opts.from}`);
  const rows = db
    .prepare('SELECT * FROM items WHERE received_at >= ? AND received_at < ? ORDER BY year, seq')
    .all(from.toISOString(), to.toISOString()) as ExportRow[];
  const lines = [csvLine(EXPORT_COLUMNS), ...rows.map((r) => csvLine(rowCells(r, opts)))];
  return { csv: BOM + lines.join(CRLF) + CRLF, rows: rows.length };
}
