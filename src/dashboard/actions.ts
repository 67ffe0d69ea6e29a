import { folderFor } from '../config/organisation';
import { confirmDecision, reassign, returnToSecretariat, type FolderChange } from '../register/changes';
import type { Item } from '../register/types';
import { hintFor, moveTo } from '../route/reassign';
import { AigError } from '../shared/errors';
import type { DashboardDeps } from './deps';
import { scheduleRetrain } from './retrain';

/**
 * Use-cases behind the item page's buttons. A change of destination is carried out on the mailbox
 * FIRST (MOVE), then recorded with the new UID: if the MOVE fails the register is unchanged and the
 * person sees the error; if recording fails after the MOVE, doing it again finds the message (by
 * Message-ID) in the new folder ('already-there').
 */
async function moveAll(deps: DashboardDeps, item: Item, unitId: string): Promise<{ folders: FolderChange[]; notFound: number }> {
  const unit = deps.organisation.byId.get(unitId);
  if (!unit) throw new AigError('AIG_ERR_VALIDATION', `unité inconnue « ${unitId} »`);
  const folders: FolderChange[] = [];
  let notFound = 0;
  for (const src of deps.register.sourcesOf(item.id)) {
    if (!src.folder) continue;
    const { client, delimiter } = await deps.imap.get(src.mailbox).catch((err: Error) => {
      throw new AigError('AIG_ERR_IMAP', `boîte ${src.mailbox} injoignable : ${err.message}`);
    });
    const target = folderFor(unit, deps.config.routing.rootFolder, delimiter);
    try {
      const outcome = await moveTo(client, src.folder, target, hintFor(item, src));
      if (outcome.kind === 'not-found') notFound++;
      else folders.push({ mailbox: src.mailbox, uidValidity: src.uidValidity, uid: src.uid, folder: target, folderUid: outcome.placement.uid, folderUidValidity: outcome.placement.uidValidity });
    } catch (err) {
      deps.imap.discard(src.mailbox);
      throw new AigError('AIG_ERR_IMAP', `déplacement impossible : ${(err as Error).message}`);
    }
  }
  return { folders, notFound };
}

function noteNotFound(deps: DashboardDeps, item: Item, actor: string, notFound: number): void {
  if (notFound > 0) deps.register.addHistory(item.id, actor, 'not-found', null, null, 'message introuvable sur la boîte lors du déplacement');
}

/** A correction's origin for the metrics: the desk it had, or 'to-review' for an item awaiting review. */
function fromOf(item: Item): string {
  return item.status === 'to-review' ? 'to-review' : item.destination;
}

export async function reassignItem(deps: DashboardDeps, item: Item, to: string, actor: string, reason: string): Promise<Item> {
  if (!reason.trim()) throw new AigError('AIG_ERR_VALIDATION', 'réaffectation : un motif est obligatoire');
  const { folders, notFound } = await moveAll(deps, item, to);
  const updated = reassign(deps.register, item.id, to, actor, reason, { folders });
  deps.metrics.corrections.inc({ from: fromOf(item), to });
  noteNotFound(deps, item, actor, notFound);
  await scheduleRetrain(deps, actor);
  return updated;
}

/** Supervisor's one click: an item to review goes to its best suggestion; a routed one is confirmed. */
export async function confirmItem(deps: DashboardDeps, item: Item, actor: string): Promise<Item> {
  if (item.status !== 'to-review') {
    const done = confirmDecision(deps.register, item.id, actor);
    await scheduleRetrain(deps, actor);
    return done;
  }
  const best = item.decision?.suggestions[0]?.destination;
  if (!best) throw new AigError('AIG_ERR_VALIDATION', 'aucune proposition à confirmer : réaffectez avec un motif');
  const { folders, notFound } = await moveAll(deps, item, best);
  const updated = reassign(deps.register, item.id, best, actor, 'proposition confirmée', { kind: 'confirm', folders });
  deps.metrics.corrections.inc({ from: fromOf(item), to: best });
  noteNotFound(deps, item, actor, notFound);
  await scheduleRetrain(deps, actor);
  return updated;
}

export async function returnItem(deps: DashboardDeps, item: Item, actor: string, reason: string): Promise<Item> {
  if (!reason.trim()) throw new AigError('AIG_ERR_VALIDATION', 'retour au secrétariat : un motif est obligatoire');
  const { folders, notFound } = await moveAll(deps, item, 'secretariat');
  const updated = returnToSecretariat(deps.register, item.id, actor, reason, { folders });
  deps.metrics.corrections.inc({ from: fromOf(item), to: 'secretariat' });
  noteNotFound(deps, item, actor, notFound);
  return updated;
}
