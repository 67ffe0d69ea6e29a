/**
 * Text of one attachment: PDF text layer (worker thread), text/plain as is (charset decoded,
 * bounded), anything else 'not-text'. Never throws: an unreadable attachment must not lose
 * the mail.
 */
import { extractPdfText, type TextResult } from './pdf';
import type { ParseLimits } from './types';

export function isPdf(contentType: string, filename: string, content: Buffer): boolean {
  if (contentType === 'application/pdf' || contentType === 'application/x-pdf') return true;
  // Scanners and some clients send PDFs as octet-stream: trust the name or the magic bytes.
  if (contentType === 'application/octet-stream' && /\.pdf$/i.test(filename)) return true;
  if (contentType.startsWith('text/') || contentType.startsWith('image/')) return false;
  return content.subarray(0, 1024).includes('%PDF-'); // readers accept the header anywhere in the first KiB
}

/** Decodes bytes in a declared charset; undeclared or invalid UTF-8 falls back to windows-1252,
 *  the usual charset of French Windows text files (a superset of ISO-8859-1's printable range). */
export function decodeText(content: Buffer, charset: string | undefined): string {
  if (charset !== undefined && charset.trim() !== '') {
    try {
      return new TextDecoder(charset.trim().toLowerCase()).decode(content);
    } catch {
      // unknown label: fall through to the guess below
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return new TextDecoder('windows-1252').decode(content);
  }
}

export async function attachmentText(
  contentType: string,
  charset: string | undefined,
  filename: string,
  content: Buffer,
  limits: ParseLimits,
): Promise<TextResult> {
  if (isPdf(contentType, filename, content)) return extractPdfText(content, limits);
  if (contentType === 'text/plain') {
    // Decode at most 4 bytes per kept char: enough for any charset, bounded for a huge file.
    const text = decodeText(content.subarray(0, limits.maxTextChars * 4), charset).slice(0, limits.maxTextChars);
    return text.trim() === '' ? { text: null, textStatus: 'not-text' } : { text, textStatus: 'ok' };
  }
  return { text: null, textStatus: 'not-text' };
}
