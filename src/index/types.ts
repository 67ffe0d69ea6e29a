export type SenderKind =
  | 'individual'
  | 'employer'
  | 'lawyer'
  | 'french-institution'
  | 'foreign-institution'
  | 'eu-body'
  | 'contact-point'
  | 'translation-provider'
  | 'other';

export type Channel = 'courriel' | 'courrier';

export interface Identifiers {
  nir: string[]; // valid-key NIRs only (stored in full; mask before logging or printing)
  siren: string[]; // Luhn-valid
  siret: string[]; // Luhn-valid
  forms: string[]; // e.g. ['A1', 'S2', 'E106'] upper-case, de-duplicated
  caseRefs: string[]; // EESSI-style case references
  senderRefs: string[]; // "Vos réf.", "Ref.", "Az.", "Rif." …
  countries: string[]; // ISO 3166-1 alpha-2 codes, e.g. ['DE', 'ES']
}

export interface IndexRecord {
  channel: Channel;
  sender: {
    address: string;
    name: string;
    domain: string;
    organisation: string; // '' when unknown
    kind: SenderKind;
  };
  recipients: string[]; // to + cc addresses, lower-case
  subject: string;
  language: string; // ISO 639-1 of the main language ('fr', 'de', …) or 'und'
  languages: string[]; // all languages detected, main first
  identifiers: Identifiers;
  attachments: { name: string; type: string; size: number; sha256: string; textStatus: string }[];
  thread: { messageId: string | null; inReplyTo: string | null; references: string[] };
  /** false when the only content is a PDF without a text layer (or nothing at all). */
  textAvailable: boolean;
  /** Text used for classification and search: subject + body + attachment text (bounded). */
  text: string;
}
