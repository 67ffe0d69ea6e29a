/**
 * Kind and organisation of the sender: the directory first (longest listed domain), then
 * signature hints (display name, domain, end of the body), then webmail → individual, then
 * the configured default for an unknown company domain. A scanned letter (channel
 * 'courrier') comes from our own scanner: its sender is unknown ('other').
 */
import { isWebmail, lookupDomain, type SenderDirectory } from './senders';
import type { SenderKind } from './types';
import { testAtWordStart } from './word-start';

/** The signature is at the end of the body: hints are searched there only, so that a mail
 *  *about* a lawyer ("mon avocat m'a dit…") does not make its writer one. */
const SIGNATURE_CHARS = 600;

export interface SenderInfo {
  kind: SenderKind;
  organisation: string;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase().replace(/\.$/, '');
}

function hintKind(dir: SenderDirectory, name: string, domain: string, body: string): SenderKind | null {
  // Domain labels count as words: "dupont-avocats.fr" → "dupont avocats fr".
  const haystack = `${name}\n${domain.replace(/[.-]/g, ' ')}\n${body.slice(-SIGNATURE_CHARS)}`;
  for (const h of dir.hints) if (testAtWordStart(h.re, haystack)) return h.kind;
  return null;
}

export function senderInfo(
  dir: SenderDirectory,
  address: string,
  name: string,
  body: string,
  scanned: boolean,
): SenderInfo {
  if (scanned) return { kind: 'other', organisation: '' };
  const domain = domainOf(address);
  if (domain === '') return { kind: 'other', organisation: '' };
  const listed = lookupDomain(dir, domain);
  if (listed) return { kind: listed.kind, organisation: listed.organisation };
  const hinted = hintKind(dir, name, domain, body);
  if (hinted) return { kind: hinted, organisation: '' };
  if (isWebmail(dir, domain)) return { kind: 'individual', organisation: '' };
  return { kind: dir.defaultCompanyKind, organisation: '' };
}
