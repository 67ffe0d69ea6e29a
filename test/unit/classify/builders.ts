/** Small IndexRecord builders for the classify tests (the index stage's output shape). */
import type { IndexRecord, SenderKind } from '../../../src/index/types';
import type { ClassifyInput } from '../../../src/classify/types';

export interface RecordSpec {
  subject?: string;
  body?: string;
  from?: string;
  kind?: SenderKind;
  language?: string;
  languages?: string[];
  forms?: string[];
  countries?: string[];
  attachments?: { name: string; type: string; textStatus?: string }[];
  textAvailable?: boolean;
  inReplyTo?: string | null;
  recipients?: string[];
  channel?: 'courriel' | 'courrier';
  nir?: string[];
}

export function record(s: RecordSpec = {}): IndexRecord {
  const subject = s.subject ?? '';
  const body = s.body ?? '';
  const address = s.from ?? 'jean.dupont@example.fr';
  const language = s.language ?? 'fr';
  return {
    channel: s.channel ?? 'courriel',
    sender: { address, name: '', domain: address.split('@')[1] ?? '', organisation: '', kind: s.kind ?? 'individual' },
    recipients: s.recipients ?? ['courrier@cleiss.fr'],
    subject,
    language,
    languages: s.languages ?? [language],
    identifiers: {
      nir: s.nir ?? [],
      siren: [],
      siret: [],
      forms: s.forms ?? [],
      caseRefs: [],
      senderRefs: [],
      countries: s.countries ?? [],
    },
    attachments: (s.attachments ?? []).map((a) => ({ name: a.name, type: a.type, size: 1000, sha256: 'x', textStatus: a.textStatus ?? 'ok' })),
    thread: { messageId: 'm@x', inReplyTo: s.inReplyTo ?? null, references: [] },
    textAvailable: s.textAvailable ?? (subject + body).trim().length > 0,
    text: `${subject}\n\n${body}`.trim(),
  };
}

export function input(s: RecordSpec = {}, receivedAt = '2024-03-01', threadDestination?: string | null): ClassifyInput {
  return { index: record(s), receivedAt: new Date(`${receivedAt}T10:00:00Z`), threadDestination };
}
