/** Our own parsed-message type: no mailparser type leaks out of src/parse. */
export interface Address {
  address: string; // lower-cased
  name: string; // display name, '' when absent
}

export interface ParsedAttachment {
  filename: string; // '' when absent
  contentType: string; // lower-cased, e.g. 'application/pdf'
  size: number; // bytes
  sha256: string; // hex
  /** Extracted text (PDF text layer, text/* attachments); null when none was extracted. */
  text: string | null;
  /** 'ok' text extracted; 'no-text-layer' a PDF without text ("texte non disponible");
   *  'not-text' a type we do not read (images…); 'error' extraction failed or hit a limit. */
  textStatus: 'ok' | 'no-text-layer' | 'not-text' | 'error';
  textError?: string;
  content: Buffer;
}

export interface ParsedMessage {
  messageId: string | null; // without angle brackets
  inReplyTo: string | null; // without angle brackets
  references: string[]; // without angle brackets
  from: Address | null;
  to: Address[];
  cc: Address[];
  subject: string; // '' when absent
  date: Date | null; // the Date header, null when absent or invalid
  text: string; // plain-text body (from text/plain, else converted from HTML); '' when none
  html: string | null; // raw HTML body, unsanitised: never render it without sanitising
  attachments: ParsedAttachment[];
  headerLines: number;
  size: number; // raw source size in bytes
}

export interface ParseLimits {
  maxMessageBytes: number;
  maxAttachments: number;
  maxHeaderLines: number;
  maxHeaderBytes: number;
  maxNestingDepth: number;
  pdfMaxPages: number;
  pdfMaxBytes: number;
  pdfTimeoutMs: number;
  maxTextChars: number; // body/attachment text kept for indexing and classification
}
