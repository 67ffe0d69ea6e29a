/**
 * ParsedMessage -> IndexRecord: sync, pure, no I/O and no logging. Every regex and table is
 * compiled at module load; the sender directory is compiled once by loadSenderDirectory.
 */
import { maskNir } from '../shared/privacy';
import type { ParsedMessage } from '../parse/types';
import { extractCountries } from './countries';
import { extractForms } from './forms';
import { detectLanguage } from './language';
import { extractNirSpans } from './nir';
import { extractCaseRefs, extractSenderRefs } from './refs';
import { domainOf, senderInfo } from './sender-kind';
import type { SenderDirectory } from './senders';
import { extractSirenSiret } from './siren';
import type { Channel, Identifiers, IndexRecord } from './types';

export interface IndexOptions {
  senders: SenderDirectory;
  /** Addresses of our own scanners: their mails are scanned paper letters ('courrier'). */
  scannerAddresses: string[];
  /** Forces the channel (e.g. a folder of scanned letters); else derived from the sender. */
  channel?: Channel;
  maxTextChars: number;
}

/** subject + body + attachment texts, bounded; attachments last so the body always fits. */
function indexText(parsed: ParsedMessage, maxChars: number): string {
  const parts = [parsed.subject, parsed.text, ...parsed.attachments.map((a) => a.text ?? '')]
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return parts.join('\n\n').slice(0, maxChars);
}

export function extractIdentifiers(text: string): Identifiers {
  const nirSpans = extractNirSpans(text);
  const { siren, siret } = extractSirenSiret(text, nirSpans);
  return {
    nir: [...new Set(nirSpans.map((s) => s.nir))],
    siren,
    siret,
    forms: extractForms(text),
    caseRefs: extractCaseRefs(text),
    senderRefs: extractSenderRefs(text, nirSpans),
    countries: extractCountries(text),
  };
}

/** For logs and CLI output: NIRs masked, everything else as is. */
export function maskIdentifiers(ids: Identifiers): Identifiers {
  return { ...ids, nir: ids.nir.map(maskNir) };
}

export function buildIndex(parsed: ParsedMessage, opts: IndexOptions): IndexRecord {
  const address = parsed.from?.address ?? '';
  const scanned = opts.channel === 'courrier' || opts.scannerAddresses.some((s) => s.toLowerCase() === address);
  const text = indexText(parsed, opts.maxTextChars);
  const body = parsed.text.trim();
  const sender = senderInfo(opts.senders, address, parsed.from?.name ?? '', body, scanned);
  const lang = detectLanguage(body !== '' ? `${parsed.subject}\n${body}` : text);
  return {
    channel: scanned ? 'courrier' : opts.channel ?? 'courriel',
    sender: { address, name: parsed.from?.name ?? '', domain: domainOf(address), ...sender },
    recipients: [...new Set([...parsed.to, ...parsed.cc].map((a) => a.address.toLowerCase()))],
    subject: parsed.subject,
    language: lang.language,
    languages: lang.languages,
    identifiers: extractIdentifiers(text),
    attachments: parsed.attachments.map((a) => ({
      name: a.filename,
      type: a.contentType,
      size: a.size,
      sha256: a.sha256,
      textStatus: a.textStatus,
    })),
    thread: { messageId: parsed.messageId, inReplyTo: parsed.inReplyTo, references: [...parsed.references] },
    textAvailable: body !== '' || parsed.attachments.some((a) => a.text !== null && a.text.trim() !== ''),
    text,
  };
}
