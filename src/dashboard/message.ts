import { parseMessage } from '../parse';
import type { ParsedMessage } from '../parse/types';
import type { Item } from '../register/types';
import { fetchRegistered, hintFor } from '../route/reassign';
import { errorMessage } from '../shared/errors';
import type { DashboardDeps } from './deps';

/**
 * The message itself is read from the mailbox, not stored again in the register (one copy of a
 * citizen's mail, on the server that already keeps it): found in the folder the register says it is
 * in, by the UID recorded there (else Message-ID, else register keyword).
 */
export interface LoadedMessage {
  parsed: ParsedMessage | null;
  /** Why the message could not be shown (French, for the page). */
  note: string | null;
}

export async function loadMessage(deps: DashboardDeps, item: Item): Promise<LoadedMessage> {
  const src = deps.register.sourcesOf(item.id).find((s) => s.folder);
  if (!src || !src.folder) return { parsed: null, note: "Le message n'a pas encore été déplacé dans un dossier : il sera lisible après son aiguillage." };
  let source: Buffer | null;
  try {
    const { client } = await deps.imap.get(src.mailbox);
    source = await fetchRegistered(client, src.folder, hintFor(item, src), deps.config.limits.maxMessageBytes);
  } catch (err) {
    deps.imap.discard(src.mailbox);
    deps.log.warn({ registerNo: item.registerNo, err: errorMessage(err) }, 'dashboard: message fetch failed');
    return { parsed: null, note: 'Boîte aux lettres injoignable pour le moment : texte indexé affiché.' };
  }
  if (!source) return { parsed: null, note: `Message introuvable dans le dossier ${src.folder} (déplacé à la main ?) : texte indexé affiché.` };
  try {
    return { parsed: await parseMessage(source, deps.analysis.limits), note: null };
  } catch (err) {
    return { parsed: null, note: `Message illisible (${errorMessage(err)}) : texte indexé affiché.` };
  }
}
