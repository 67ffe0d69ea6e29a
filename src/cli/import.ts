/**
 * `aiguillage import --folder NAME [--mailbox ID] [--destination DESK] [--json]`: registers the
 * HISTORY of a mailbox folder (mail people already handled and filed there) so that it can be
 * searched, and so that a reply to an old message follows the desk that handled it. Each message is
 * parsed, indexed and classified like live mail, then registered as `handled` where it is: nothing is
 * moved, flagged or deleted. Safe to run again (a known copy is skipped). Progress bar on a terminal.
 */
import { loadAnalysis } from '../app/analysis-deps';
import { progressBar } from '../shared/progress';
import { AUTO_DESTINATIONS } from '../classify/types';
import { loadConfig } from '../config/load';
import { dedupeKey } from '../register/identity';
import { Register } from '../register/sqlite';
import { fetchMessages, searchUids } from '../route/mailbox';
import { errorMessage, isPermanent } from '../shared/errors';
import { createImapClient } from '../shared/imap';
import { createLogger } from '../shared/logger';
import { analyseMessage } from '../triage/analyse';

const USAGE = 'usage: aiguillage import --folder NAME [--mailbox ID] [--destination secretariat|legislation|prestations|linguistique|pcn] [--json]';
const BATCH = 50;

interface ImportArgs {
  folder: string;
  mailbox?: string;
  destination?: string;
  json: boolean;
}

function parseArgs(argv: string[]): ImportArgs {
  let folder: string | undefined;
  let mailbox: string | undefined;
  let destination: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--json') json = true;
    else if (k === '--folder' || k === '--mailbox' || k === '--destination') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${k} : valeur manquante\n${USAGE}`);
      if (k === '--folder') folder = v;
      else if (k === '--mailbox') mailbox = v;
      else destination = v;
    } else throw new Error(`option inconnue ${k}\n${USAGE}`);
  }
  if (!folder) throw new Error(`--folder est obligatoire\n${USAGE}`);
  if (destination !== undefined && !(AUTO_DESTINATIONS as readonly string[]).includes(destination)) throw new Error(`--destination : ${AUTO_DESTINATIONS.join(', ')}, pas « ${destination} »`);
  return { folder, mailbox, destination, json };
}

export interface ImportReport {
  folder: string;
  messages: number;
  imported: number;
  known: number;
  duplicates: number;
  byDestination: Record<string, number>;
  /** Messages left out (they stay in the folder, untouched): UID and why. */
  refused: { uid: number; reason: string }[];
}

export async function runImport(argv: string[], env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const args = parseArgs(argv);
  const config = loadConfig({ env, requirePassword: true });
  const mb = args.mailbox ? config.mailboxes.find((m) => m.id === args.mailbox) : config.mailboxes[0];
  if (!mb) throw new Error(`--mailbox : boîte « ${args.mailbox} » absente de la configuration (${config.mailboxes.map((m) => m.id).join(', ')})`);
  if (args.folder === mb.folder) throw new Error(`« ${args.folder} » est le dossier surveillé de ${mb.id} : son courrier est trié par le poller, pas importé`);
  const log = createLogger('warn');
  const analysis = loadAnalysis(config, log);
  const register = new Register({ path: config.register.path, numberPrefix: config.register.numberPrefix, replyDelayDays: config.register.replyDelayDays });
  const client = createImapClient(mb, log);
  const report: ImportReport = { folder: args.folder, messages: 0, imported: 0, known: 0, duplicates: 0, byDestination: {}, refused: [] };
  try {
    await client.connect();
    const lock = await client.getMailboxLock(args.folder, { readOnly: true });
    let uids: number[];
    let uidValidity: string;
    try {
      uidValidity = String(client.mailbox ? client.mailbox.uidValidity : '');
      uids = await searchUids(client, { all: true });
    } finally {
      lock.release();
    }
    report.messages = uids.length;
    const tick = progressBar(uids.length, `import ${args.folder}`);
    // A copy's identity: the mailbox, and the folder's UIDVALIDITY *with its name* (the watched
    // folder's sources carry the bare UIDVALIDITY, and two folders may share one).
    const sourceValidity = `${uidValidity}@${args.folder}`;
    let done = 0;
    for (let i = 0; i < uids.length; i += BATCH) {
      const batch = uids.slice(i, i + BATCH);
      const got = await fetchMessages(client, args.folder, batch, config.limits.maxMessageBytes);
      for (const uid of batch) {
        tick(++done);
        const m = got.get(uid);
        if (!m) {
          report.refused.push({ uid, reason: 'disparu du dossier pendant l’import' });
          continue;
        }
        if (!m.source) {
          report.refused.push({ uid, reason: `AIG_ERR_LIMIT: ${m.size} octets, au-delà de limits.maxMessageBytes` });
          continue;
        }
        const receivedAt = m.internalDate ?? new Date();
        try {
          const a = await analyseMessage(m.source, analysis.deps, { receivedAt, threadDestination: (ids) => register.findByMessageIds(ids)?.destination ?? null });
          const res = register.importHistory(
            { source: { mailbox: mb.id, uidValidity: sourceValidity, uid }, messageId: a.parsed.messageId, dedupeKey: dedupeKey(m.source), receivedAt, channel: a.index.channel, index: a.index, decision: a.decision, error: null },
            { folder: args.folder, uid, uidValidity },
            { destination: args.destination ?? null, actor: 'import' },
          );
          if (res.outcome === 'imported') {
            report.imported++;
            report.byDestination[res.item.destination] = (report.byDestination[res.item.destination] ?? 0) + 1;
          } else if (res.outcome === 'known') report.known++;
          else report.duplicates++;
        } catch (err) {
          if (!isPermanent(err)) throw err;
          report.refused.push({ uid, reason: `${(err as { code?: string }).code ?? 'AIG_ERR'}: ${errorMessage(err)}` });
        }
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
    register.close();
    analysis.rules.stop();
  }
  if (args.json) out.write(JSON.stringify(report) + '\n');
  else {
    out.write(`${report.folder} : ${report.messages} message(s), ${report.imported} importé(s), ${report.known} déjà connu(s), ${report.duplicates} copie(s) d'un message déjà enregistré\n`);
    for (const [d, n] of Object.entries(report.byDestination)) out.write(`  ${d.padEnd(14)} ${n}\n`);
    for (const r of report.refused) out.write(`  non importé : UID ${r.uid} — ${r.reason}\n`);
  }
  // Some messages could not be read: they stay in the folder, listed above; say so to scripts.
  return report.refused.length > 0 ? 1 : 0;
}
