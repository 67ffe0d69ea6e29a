import { ConfigError } from '../shared/errors';
import type { ParseLimits } from './types';

const MIB = 1024 * 1024;

/**
 * Defaults sized for a liaison-centre mailbox: scanned letters with a few PDFs, rarely more
 * than a handful of attachments. Each value guards a named threat:
 * - maxMessageBytes: memory (mailparser buffers every attachment);
 * - maxAttachments: part bombs (thousands of tiny parts, each costing a hash and a record);
 * - maxHeaderLines / maxHeaderBytes: header floods (one 135 KB `To:` header exists in the wild);
 * - maxNestingDepth: recursion bombs (multipart inside multipart inside message/rfc822 …);
 * - pdf*: pdf.js is a full interpreter: bound pages, input bytes and wall-clock time;
 * - maxTextChars: what downstream stages (index, classify, register) keep of any one text.
 */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxMessageBytes: 25 * MIB,
  maxAttachments: 50,
  maxHeaderLines: 500,
  maxHeaderBytes: 256 * 1024,
  maxNestingDepth: 10,
  pdfMaxPages: 50,
  pdfMaxBytes: 10 * MIB,
  pdfTimeoutMs: 5000,
  maxTextChars: 200_000,
});

const LIMIT_KEYS = Object.keys(DEFAULT_PARSE_LIMITS) as (keyof ParseLimits)[];

/**
 * Refuses a limit that is missing, not a finite number, not an integer, 0 or negative.
 * `0` is refused rather than read as "default" or "unlimited": a typo must not silently
 * remove a guard. Returns a frozen copy.
 */
export function validateLimits(limits: ParseLimits): Readonly<ParseLimits> {
  const out = {} as ParseLimits;
  for (const key of LIMIT_KEYS) {
    const value: unknown = (limits as unknown as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isInteger(value) || value <= 0) {
      throw new ConfigError(`parse limit ${key} must be a positive integer, got ${String(value)}`);
    }
    out[key] = value;
  }
  return Object.freeze(out);
}
