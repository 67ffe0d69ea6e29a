/**
 * `aiguillage register search|show|export|purge`: the secretariat's view of the register, offline
 * (no Redis, no IMAP). NIRs are masked everywhere unless --show-nir is given by an allowed role.
 */
import fs from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../config/load';
import { exportRegisterCsv, frenchDate, STATUS_LABELS } from '../register/export';
import { countPurgeable, purgeBodies } from '../register/retention';
import { MAX_SEARCH_LIMIT, parseDay, searchRegister, type SearchFilters, type SearchHit } from '../register/search';
import { Register } from '../register/sqlite';
import type { ItemStatus } from '../register/types';
import { AigError } from '../shared/errors';
import { loadShowData, maskShowData, showLines } from './register-show';

/** Roles allowed to print NIRs in full (AIGUILLAGE_ROLE). */
export const NIR_ROLES: readonly string[] = ['supervisor', 'admin'];

export const REGISTER_HELP = `aiguillage register — consult the mail register

  register search "TEXT" [--destination D] [--status S] [--channel courriel|courrier]
                  [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--sender-kind K] [--country XX] [--form F]
                  [--limit N] [--json]
      Full-text search (case and accents ignored) over number, subject, text, sender, identifiers
      and attachment names; words are ANDed, "word*" searches a prefix. Without TEXT: the filtered
      lines, newest first. Dates are Paris days, inclusive.
  register show NUMBER [--json] [--show-nir]
      Every index field, the decision, the sources and the history of one line.
  register export --from YYYY-MM-DD --to YYYY-MM-DD [--output FILE] [--show-nir]
      The register book as CSV for Excel: UTF-8 with BOM, separator ";" (French Excel), decimal
      comma, dates in Paris time. Standard output when --output is absent.
  register purge --older-than DAYS [--dry-run]
      Retention: erase the text (body and attachments) of mail received more than DAYS days ago
      (DAYS > 0); the register line, identifiers and history stay.

  Common options: --register FILE (default: register.path of the configuration).
  NIRs are always masked (last 4 characters shown). --show-nir prints them in full only when the
  environment variable AIGUILLAGE_ROLE is "supervisor" or "admin"; otherwise the command is refused.
  "show --show-nir" writes a line in the item's history (who saw the NIR). This is a guard against
  accidental disclosure, not an access control: protect the register file itself.
`;

type Env = Record<string, string | undefined>;
type Out = (line: string) => void;

export interface RegisterCliIo {
  /** Environment (role, configuration overrides); process.env by default. */
  env?: Env;
  /** Where `export` writes the CSV when --output is absent; process.stdout by default. */
  write?: (chunk: string) => void;
}

interface Ctx {
  out: Out;
  env: Env;
  write: (chunk: string) => void;
}

interface Args {
  positional: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

const COMMON_VALUES = ['register'];

function usage(message: string): AigError {
  return new AigError('AIG_ERR_USAGE', `${message}\n\n${REGISTER_HELP}`);
}

/** --name VALUE options from `valueOpts`, --name flags from `flagOpts`, anything else is refused. */
function parseArgs(argv: string[], valueOpts: string[], flagOpts: string[]): Args {
  const a: Args = { positional: [], values: new Map(), flags: new Set() };
  const values = new Set([...valueOpts, ...COMMON_VALUES]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      a.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (flagOpts.includes(name) && eq < 0) a.flags.add(name);
    else if (values.has(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw usage(`${arg}: missing value`);
      a.values.set(name, v);
    } else throw usage(`unknown option ${arg}`);
  }
  return a;
}

function openRegister(a: Args, env: Env): Register {
  const config = loadConfig({ env });
  const file = a.values.get('register') ?? config.register.path;
  // Opening a missing path would create an empty register and hide a typo.
  if (!fs.existsSync(file)) throw new AigError('AIG_ERR_USAGE', `register file not found: ${file}`);
  return new Register({ path: file, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
}

/** true when --show-nir is given and the role allows it; refused with a clear message otherwise. */
export function nirAllowed(a: Args, env: Env): boolean {
  if (!a.flags.has('show-nir')) return false;
  const role = env.AIGUILLAGE_ROLE ?? '';
  if (!NIR_ROLES.includes(role)) {
    throw new AigError(
      'AIG_ERR_FORBIDDEN',
      `--show-nir refused: AIGUILLAGE_ROLE is "${role}", printing NIRs in full requires ${NIR_ROLES.join(' or ')}`,
    );
  }
  return true;
}

const STATUSES: readonly ItemStatus[] = ['auto-routed', 'to-review', 'error', 'handled'];

function searchFilters(a: Args): SearchFilters {
  const v = (k: string) => a.values.get(k);
  const status = v('status');
  if (status !== undefined && !STATUSES.includes(status as ItemStatus)) throw usage(`--status: one of ${STATUSES.join(', ')}, not "${status}"`);
  const country = v('country');
  if (country !== undefined && !/^[A-Za-z]{2}$/.test(country)) throw usage(`--country: a two-letter ISO code, not "${country}"`);
  return {
    destination: v('destination'),
    status: status as ItemStatus | undefined,
    channel: v('channel'),
    from: v('from') === undefined ? undefined : parseDay('--from', v('from')!),
    to: v('to') === undefined ? undefined : parseDay('--to', v('to')!),
    senderKind: v('sender-kind'),
    country,
    form: v('form'),
  };
}

function positiveInt(label: string, v: string, max?: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || !Number.isSafeInteger(n) || (max !== undefined && n > max)) {
    throw usage(`${label}: expected a whole number above 0${max === undefined ? '' : ` and at most ${max}`}, got "${v}"`);
  }
  return n;
}

/** A table cell: one line, cut or padded to `n` characters. */
function cut(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one.padEnd(n);
}

/** Who ran the command, for the history (os.userInfo throws for a uid without a passwd entry). */
function cliActor(env: Env): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return `cli:${env.USER ?? `uid-${process.getuid?.() ?? '?'}`}`;
  }
}

function hitLines(hits: SearchHit[]): string[] {
  const head = `${cut('N°', 16)}  ${cut('Reçu le', 16)}  ${cut('Destination', 12)}  ${cut('Statut', 24)}  ${cut('Expéditeur', 28)}  Objet`;
  const rows = hits.flatMap((h) => [
    `${cut(h.registerNo, 16)}  ${frenchDate(h.receivedAt)}  ${cut(h.destination, 12)}  ${cut(STATUS_LABELS[h.status] ?? h.status, 24)}  ${cut(h.senderAddress ?? '—', 28)}  ${cut(h.subject ?? '—', 60).trimEnd()}`,
    ...(h.snippet ? [`    ${h.snippet}`] : []),
  ]);
  return [head, ...rows, `${hits.length} résultat${hits.length > 1 ? 's' : ''}`];
}

async function cmdSearch(argv: string[], ctx: Ctx): Promise<number> {
  const a = parseArgs(argv, ['destination', 'status', 'channel', 'from', 'to', 'sender-kind', 'country', 'form', 'limit'], ['json']);
  const filters = searchFilters(a);
  const limit = a.values.has('limit') ? positiveInt('--limit', a.values.get('limit')!, MAX_SEARCH_LIMIT) : 50;
  const r = openRegister(a, ctx.env);
  try {
    const hits = searchRegister(r.db, a.positional.join(' '), filters, limit);
    if (a.flags.has('json')) hits.forEach((h) => ctx.out(JSON.stringify(h)));
    else hitLines(hits).forEach((l) => ctx.out(l));
    return 0;
  } finally {
    r.close();
  }
}

async function cmdShow(argv: string[], ctx: Ctx): Promise<number> {
  const a = parseArgs(argv, [], ['json', 'show-nir']);
  if (a.positional.length !== 1) throw usage('register show: expected one register number');
  const showNir = nirAllowed(a, ctx.env);
  const r = openRegister(a, ctx.env);
  try {
    const data = loadShowData(r, a.positional[0]);
    if (!data) throw new AigError('AIG_ERR_NOT_FOUND', `no register line ${a.positional[0]}`);
    if (showNir) r.addHistory(data.item.id, cliActor(ctx.env), 'nir-shown', null, null, `NIR affiché en clair (rôle ${ctx.env.AIGUILLAGE_ROLE})`);
    const shown = showNir ? data : maskShowData(data);
    if (a.flags.has('json')) ctx.out(JSON.stringify(shown));
    else showLines(shown).forEach((l) => ctx.out(l));
    return 0;
  } finally {
    r.close();
  }
}

async function cmdExport(argv: string[], ctx: Ctx): Promise<number> {
  const a = parseArgs(argv, ['from', 'to', 'output'], ['show-nir']);
  if (a.positional.length > 0) throw usage(`register export: unexpected argument "${a.positional[0]}"`);
  const from = a.values.get('from');
  const to = a.values.get('to');
  if (from === undefined || to === undefined) throw usage('register export: --from and --to are required');
  const showNir = nirAllowed(a, ctx.env);
  const r = openRegister(a, ctx.env);
  try {
    const { csv, rows } = exportRegisterCsv(r.db, { from: parseDay('--from', from), to: parseDay('--to', to), showNir });
    const output = a.values.get('output');
    if (output === undefined) ctx.write(csv);
    else {
      fs.writeFileSync(output, csv, 'utf8');
      ctx.out(`${rows} ligne${rows > 1 ? 's' : ''} exportée${rows > 1 ? 's' : ''} dans ${output}`);
    }
    return 0;
  } finally {
    r.close();
  }
}

async function cmdPurge(argv: string[], ctx: Ctx): Promise<number> {
  const a = parseArgs(argv, ['older-than'], ['dry-run']);
  if (a.positional.length > 0) throw usage(`register purge: unexpected argument "${a.positional[0]}"`);
  const raw = a.values.get('older-than');
  if (raw === undefined) throw usage('register purge: --older-than DAYS is required');
  const days = positiveInt('--older-than', raw);
  const r = openRegister(a, ctx.env);
  try {
    if (a.flags.has('dry-run')) {
      ctx.out(`${countPurgeable(r.db, days)} message(s) à purger (reçus il y a plus de ${days} jours) — rien n'a été modifié`);
    } else {
      ctx.out(`${purgeBodies(r.db, days)} message(s) purgé(s) (texte effacé, reçus il y a plus de ${days} jours)`);
    }
    return 0;
  } finally {
    r.close();
  }
}

const SUBCOMMANDS: Record<string, (argv: string[], ctx: Ctx) => Promise<number>> = {
  search: cmdSearch,
  show: cmdShow,
  export: cmdExport,
  purge: cmdPurge,
};

/**
 * Entry point of `aiguillage register …`. Returns the exit code; usage errors and refusals throw
 * AigError (AIG_ERR_USAGE, AIG_ERR_FORBIDDEN, AIG_ERR_NOT_FOUND) for the launcher to print.
 */
export async function runRegister(argv: string[], out: Out = (l) => process.stdout.write(l + '\n'), io: RegisterCliIo = {}): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    out(REGISTER_HELP);
    return sub ? 0 : 2;
  }
  const cmd = SUBCOMMANDS[sub];
  if (!cmd) throw usage(`unknown register command "${sub}"`);
  const ctx: Ctx = { out, env: io.env ?? process.env, write: io.write ?? ((c) => process.stdout.write(c)) };
  return cmd(rest, ctx);
}
