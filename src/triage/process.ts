import type { Queue } from 'bullmq';
import type { Config } from '../config/schema';
import { folderFor, type Organisation } from '../config/organisation';
import type { DeadLetter, TriageJob } from '../queue';
import { dedupeKey, rawMessageId } from '../register/identity';
import type { Register } from '../register/sqlite';
import type { Item, ItemStatus, SourceRef } from '../register/types';
import { expungeCopy, keywordFor, locateMessages, tagMessage, type FetchedMessage } from '../route/mailbox';
import { errorMessage, isPermanent, LimitError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { Channel } from '../index/types';
import { triageFile } from './drop';
import { retryDeadLetter } from './retry';
import { analyseMessage, type AnalyseDeps } from './analyse';
import type { ImapPool } from './imap-pool';
import type { TriageIO } from './io';

export interface TriageDeps {
  config: Readonly<Config>;
  organisation: Organisation;
  register: Register;
  imap: ImapPool;
  io: TriageIO;
  analyse: AnalyseDeps;
  deadQueue: Queue<DeadLetter>;
  log: Logger;
}

export type TriageOutcome =
  | { status: 'routed' | 'to-review' | 'dead-letter'; registerNo: string; folder: string; created: boolean; destination: string; itemStatus: ItemStatus }
  | { status: 'vanished' };

/**
 * The triage use-case for one job: fetch → analyse → register (committed) → move. Safe to run twice:
 * a known source skips straight to the move, and a move already done is found by its Message-ID.
 */
export const VANISHED_RETRIES = 2;

export async function triageMessage(job: TriageJob, deps: TriageDeps, attempt = 0): Promise<TriageOutcome> {
  const ref: SourceRef = { mailbox: job.mailbox, uidValidity: job.uidValidity, uid: job.uid };
  if (job.file) return triageFile(job, job.file, ref, deps, attempt);
  const log = deps.log.child({ stage: 'triage', mailbox: job.mailbox, uid: job.uid });
  const known = deps.register.findSource(ref);
  if (known?.movedAt) {
    const item = deps.register.getItem(known.itemId)!;
    if (job.retry && item.status === 'error') {
      const { delimiter: d } = await deps.imap.get(job.mailbox);
      return retryDeadLetter(job, ref, item, known.folder ?? job.folder, (it) => targetFolder(it, deps, d), deps);
    }
    return outcomeOf(item, known.folder ?? '', false);
  }
  const { delimiter } = await deps.imap.get(job.mailbox);
  const got = known ? { item: deps.register.getItem(known.itemId)!, created: false } : await fetchAndRegister(job, ref, deps, log, attempt);
  if (got === 'vanished') return { status: 'vanished' };
  const { item, created } = got;
  const folder = targetFolder(item, deps, delimiter);
  await carryOut(ref, job.folder, item, folder, deps, log);
  if (created) log.info({ registerNo: item.registerNo, destination: item.destination, status: item.status, confidence: item.confidence }, 'message registered and routed');
  return outcomeOf(item, folder, created);
}

/**
 * Fetch, analyse and register a message not registered yet, within the worker's budget of source
 * bytes in flight (worker.maxInFlightBytes): the reservation is held from the FETCH until the row is
 * committed, after which nothing of the message stays referenced (the copy fetches it again).
 */
async function fetchAndRegister(job: TriageJob, ref: SourceRef, deps: TriageDeps, log: Logger, attempt: number): Promise<{ item: Item; created: boolean } | 'vanished'> {
  const release = await deps.io.reserveSource(job.size);
  try {
    const fetched = await deps.io.fetch(job.mailbox, job.folder, job.uid, job.size);
    if (!fetched) {
      // Retry a few times first (a race with the server's view); then it was moved or deleted by a
      // person before triage: say so loudly, there is nothing left to route.
      if (attempt < VANISHED_RETRIES) throw new Error(`UID ${job.uid} not found in ${job.folder} (attempt ${attempt + 1}); retrying`);
      log.warn('message no longer in the watched folder and not registered: moved or deleted by someone else');
      return 'vanished';
    }
    const receivedAt = fetched.internalDate ?? (job.internalDate ? new Date(job.internalDate) : new Date());
    return await registerFetched(fetched, receivedAt, ref, deps, log);
  } finally {
    release();
  }
}

async function registerFetched(fetched: FetchedMessage, receivedAt: Date, ref: SourceRef, deps: TriageDeps, log: Logger): Promise<{ item: Item; created: boolean }> {
  const mb = deps.imap.mailbox(ref.mailbox);
  const { source, size } = fetched;
  if (!source) {
    const err = new LimitError('maxMessageBytes', `message of ${size} bytes is over the limit of ${deps.config.limits.maxMessageBytes}`);
    // Not downloaded: identified by Message-ID + size (+ source when there is no Message-ID).
    const key = fetched.messageId ? `oversize:${fetched.messageId}:${size}` : `oversize:${ref.mailbox}:${ref.uidValidity}:${ref.uid}`;
    return deadLetter(ref, fetched.messageId, key, receivedAt, err, deps, log);
  }
  return registerSource(source, receivedAt, ref, deps, log, mb.scanner ? 'courrier' : undefined);
}

/** Analyse a message source and register it (or dead-letter it when it cannot be processed). */
export async function registerSource(source: Buffer, receivedAt: Date, ref: SourceRef, deps: TriageDeps, log: Logger, channel?: Channel): Promise<{ item: Item; created: boolean }> {
  const key = dedupeKey(source);
  try {
    const analysis = await analyseMessage(source, deps.analyse, {
      receivedAt,
      channel,
      threadDestination: (ids) => deps.register.findByMessageIds(ids)?.destination ?? null,
    });
    const res = await deps.io.register({
      source: ref,
      messageId: analysis.parsed.messageId,
      dedupeKey: key,
      receivedAt,
      channel: analysis.index.channel,
      index: analysis.index,
      decision: analysis.decision,
      error: null,
    });
    return { item: res.item, created: res.created };
  } catch (err) {
    if (!isPermanent(err)) throw err;
    return deadLetter(ref, rawMessageId(source), key, receivedAt, err, deps, log, channel);
  }
}

/** A message that cannot be processed: registered with status `error` and its reason, queued as a
 *  dead letter, and moved to the error folder (never deleted). */
async function deadLetter(ref: SourceRef, messageId: string | null, key: string, receivedAt: Date, err: unknown, deps: TriageDeps, log: Logger, channel: Channel = 'courriel') {
  const reason = `${(err as { code?: string }).code ?? 'AIG_ERR'}: ${errorMessage(err)}`;
  const res = await deps.io.register({ source: ref, messageId, dedupeKey: key, receivedAt, channel, index: null, decision: null, error: reason });
  if (res.created) {
    log.warn({ registerNo: res.item.registerNo, reason }, 'dead letter: message kept in the error folder');
    await deps.deadQueue.add('dead', { job: { ...ref, folder: '', internalDate: receivedAt.toISOString() }, registerNo: res.item.registerNo, error: reason, at: new Date().toISOString() }, { jobId: `dead-${res.item.registerNo}` });
  }
  return { item: res.item, created: res.created };
}

function targetFolder(item: Item, deps: TriageDeps, delimiter: string): string {
  const { rootFolder, errorFolder } = deps.config.routing;
  if (item.status === 'error') return `${rootFolder}${delimiter}${errorFolder}`;
  const unit = deps.organisation.byId.get(item.status === 'to-review' ? 'secretariat' : item.destination);
  if (!unit) throw new Error(`destination "${item.destination}" is not in organisation.yaml`);
  return folderFor(unit, rootFolder, delimiter);
}

/**
 * Move the message, then record where it went (its new UID). When it is no longer in the watched
 * folder, an earlier attempt moved it (crash before the record): it is found in `folder` by Message-ID
 * (or by the keyword a message without one carries), and recorded then.
 */
async function carryOut(ref: SourceRef, from: string, item: Item, folder: string, deps: TriageDeps, log: Logger): Promise<void> {
  const keyword = keywordToSet(item, deps);
  let placed = await deps.io.move(ref.mailbox, from, { uid: ref.uid, dest: folder, messageId: item.messageId, keyword });
  if (!placed) {
    const { client } = await deps.imap.get(ref.mailbox);
    const there = await locateMessages(client, folder, { messageId: item.messageId, keyword: keywordFor(item.registerNo) });
    // Copies of the same mail from other watched addresses may sit beside it: take one nobody claims.
    const claimed = new Set(deps.register.sourcesOf(item.id).filter((s) => s.folder === folder && !sameRef(s, ref)).map((s) => s.folderUid));
    const uid = there.uids.filter((u) => !claimed.has(u)).pop() ?? there.uids[there.uids.length - 1];
    if (uid === undefined) {
      // Not ours to guess: the register row stays, with a history line the secretariat can see.
      log.warn({ registerNo: item.registerNo }, 'registered message is neither in the watched folder nor in its destination: moved by someone else');
      deps.register.addHistory(item.id, 'aiguillage', 'not-found', null, folder, 'message introuvable dans la boîte surveillée au moment du déplacement');
      return;
    }
    placed = { folder, uid, uidValidity: there.uidValidity };
    // Found by Message-ID: the crash may have come before its keyword was set.
    if (keyword) await tagMessage(client, folder, uid, keyword);
  }
  const surplus = await deps.io.markMoved({ ref, folder, uid: placed.uid, uidValidity: placed.uidValidity });
  if (surplus !== null) {
    // Another worker moved the same message at the same moment and recorded its copy first.
    const { client } = await deps.imap.get(ref.mailbox);
    await expungeCopy(client, folder, surplus);
    log.warn({ registerNo: item.registerNo }, 'job ran twice at once: surplus copy in the destination expunged');
  }
}

/** The register keyword a move sets: with routing.registerKeyword, and on a message without a
 *  Message-ID in any case (the only way to recognise it in its destination after a crash). */
export function keywordToSet(item: Item, deps: TriageDeps): string | null {
  return deps.config.routing.registerKeyword || !item.messageId ? keywordFor(item.registerNo) : null;
}

function sameRef(a: SourceRef, b: SourceRef): boolean {
  return a.mailbox === b.mailbox && a.uidValidity === b.uidValidity && a.uid === b.uid;
}

/** What a job returns: its register entry, where the message went, and whether this run created it. */
export function outcomeOf(item: Item, folder: string, created: boolean): TriageOutcome {
  return { status: outcomeStatus(item), registerNo: item.registerNo, folder, created, destination: item.destination, itemStatus: item.status };
}

function outcomeStatus(item: Item): 'routed' | 'to-review' | 'dead-letter' {
  return item.status === 'error' ? 'dead-letter' : item.status === 'to-review' ? 'to-review' : 'routed';
}
