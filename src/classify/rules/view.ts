/**
 * The folded view of one message that every rule is matched against. Built once per message so
 * that a hundred rules do not fold the same 50 KB of text a hundred times.
 */
import type { ClassifyInput } from '../types';
import { fold } from '../text';

export interface MessageView {
  subject: string; // folded
  text: string; // folded subject + body + attachment text
  bodyChars: number; // characters of text beyond the subject, trimmed
  attachmentNames: string; // folded, one per line
  senderAddress: string;
  sender: string; // folded address, display name and organisation
  senderDomain: string;
  senderKind: string;
  recipients: string[];
  language: string;
  languages: string[];
  forms: Set<string>;
  identifiers: Record<string, number>;
  countries: Set<string>;
  attachmentTypes: string[];
  attachmentTextStatuses: Set<string>;
  hasAttachments: boolean;
  isReply: boolean;
  hasInReplyTo: boolean;
  receivedAt: number; // epoch ms
  textAvailable: boolean;
  channel: string;
  /** The same fields before folding, to quote evidence with its accents ("télétravail"). */
  original: { subject: string; text: string; attachmentNames: string; sender: string };
  /** Search results per field and regex, filled lazily by the matchers. */
  memo: Map<string, Map<RegExp, string | null>>;
  /** Per field, which keyword searches have a required word in it (text.ts KeywordFilter),
   *  filled on the field's first keyword search. */
  keywordWords: Map<string, Uint8Array>;
  /** Per field, its latin1Projection (text.ts), where the keyword searches run; filled lazily. */
  latin1: Map<string, string>;
}

/** Counts the characters the sender wrote beyond the subject line (which `text` starts with). */
function bodyLength(text: string, subject: string): number {
  const trimmed = text.trim();
  const subj = subject.trim();
  if (subj && trimmed.startsWith(subj)) return trimmed.slice(subj.length).trim().length;
  return trimmed.length;
}

export function buildView(input: ClassifyInput): MessageView {
  const ix = input.index;
  const ids = ix.identifiers;
  return {
    subject: fold(ix.subject),
    text: fold(ix.text),
    bodyChars: bodyLength(ix.text, ix.subject),
    attachmentNames: ix.attachments.map((a) => fold(a.name)).join('\n'),
    senderAddress: ix.sender.address.toLowerCase(),
    sender: fold(`${ix.sender.address} ${ix.sender.name} ${ix.sender.organisation}`),
    senderDomain: ix.sender.domain.toLowerCase(),
    senderKind: ix.sender.kind,
    recipients: ix.recipients.map((r) => r.toLowerCase()),
    language: ix.language,
    languages: ix.languages,
    forms: new Set(ids.forms.map((f) => f.toUpperCase())),
    identifiers: {
      nir: ids.nir.length,
      siren: ids.siren.length,
      siret: ids.siret.length,
      caseRefs: ids.caseRefs.length,
      senderRefs: ids.senderRefs.length,
    },
    countries: new Set(ids.countries),
    attachmentTypes: ix.attachments.map((a) => a.type.toLowerCase()),
    attachmentTextStatuses: new Set(ix.attachments.map((a) => a.textStatus)),
    hasAttachments: ix.attachments.length > 0,
    isReply: input.threadDestination !== undefined && input.threadDestination !== null,
    hasInReplyTo: ix.thread.inReplyTo !== null || ix.thread.references.length > 0,
    receivedAt: input.receivedAt.getTime(),
    textAvailable: ix.textAvailable,
    channel: ix.channel,
    original: {
      subject: ix.subject,
      text: ix.text,
      attachmentNames: ix.attachments.map((a) => a.name).join('\n'),
      sender: `${ix.sender.address} ${ix.sender.name} ${ix.sender.organisation}`,
    },
    memo: new Map(),
    keywordWords: new Map(),
    latin1: new Map(),
  };
}
