import type { TriageJob } from '../queue';
import type { Item, SourceRef } from '../register/types';
import { fetchMessages, keywordFor, locateMessages } from '../route/mailbox';
import { errorMessage, isPermanent } from '../shared/errors';
import { analyseMessage } from './analyse';
import { keywordToSet, outcomeOf, type TriageDeps, type TriageOutcome } from './process';

/**
 * An operator's retry of a dead letter (dashboard "Relancer"): the message is found in the folder it
 * was filed in (the error folder) by the UID recorded there (else Message-ID, else register keyword), analysed again, and — if it now goes
 * through — its register row is completed and the message moved to its destination. If it fails
 * again, the row stays a dead letter and the history says so.
 */
export async function retryDeadLetter(job: TriageJob, ref: SourceRef, item: Item, from: string, targetFolder: (it: Item) => string, deps: TriageDeps): Promise<TriageOutcome> {
  const log = deps.log.child({ stage: 'triage', registerNo: item.registerNo, retry: true });
  const { client } = await deps.imap.get(job.mailbox, 'fetch');
  const keyword = keywordFor(item.registerNo);
  const src = deps.register.findSource(ref);
  const uid = (await locateMessages(client, from, { uid: src?.folderUid, uidValidity: src?.folderUidValidity, messageId: item.messageId, keyword })).uids[0];
  if (uid === undefined) {
    deps.register.addHistory(item.id, 'aiguillage', 'retry-failed', null, null, `message introuvable dans ${from}`);
    return outcomeOf(item, from, false);
  }
  const got = (await fetchMessages(client, from, [uid], deps.config.limits.maxMessageBytes)).get(uid);
  if (!got?.source) {
    deps.register.addHistory(item.id, 'aiguillage', 'retry-failed', null, null, 'message toujours au-delà de la taille maximale');
    return outcomeOf(item, from, false);
  }
  try {
    const a = await analyseMessage(got.source, deps.analyse, { receivedAt: new Date(item.receivedAt), threadDestination: (ids) => deps.register.findByMessageIds(ids)?.destination ?? null });
    const updated = deps.register.recordRetry(item.id, a.index, a.decision, 'aiguillage');
    const folder = targetFolder(updated);
    const placed = await deps.io.move(job.mailbox, from, { uid, dest: folder, messageId: item.messageId, keyword: keywordToSet(item, deps) });
    await deps.io.markMoved({ ref, folder, uid: placed?.uid ?? null, uidValidity: placed?.uidValidity ?? null });
    log.info({ destination: updated.destination, status: updated.status }, 'dead letter processed on retry');
    return outcomeOf(updated, folder, false);
  } catch (err) {
    if (!isPermanent(err)) throw err;
    deps.register.addHistory(item.id, 'aiguillage', 'retry-failed', null, null, errorMessage(err));
    return outcomeOf(item, from, false);
  }
}
