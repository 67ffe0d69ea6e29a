/**
 * Cheap checks on the raw source, run BEFORE mailparser so that a hostile message is refused
 * without paying for a full parse: "is this a mail at all", top-level header count and bytes,
 * and MIME nesting depth. Works on a latin1 view of the bytes (1 byte = 1 char, never throws
 * on 8-bit or NUL bytes).
 */
import { LimitError, PermanentError } from '../shared/errors';
import type { ParseLimits } from './types';

const PARSE_ERROR = 'AIG_ERR_PARSE';

/** A header field line: printable ASCII name without colon, then a colon (RFC 5322 §2.2). */
const HEADER_LINE_RE = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
/** At least one of these must be among the top-level headers for the input to count as a mail. */
const MAIL_HEADERS = new Set([
  'from', 'to', 'subject', 'date', 'message-id', 'content-type', 'mime-version', 'received', 'return-path',
]);
const CONTENT_TYPE_RE = /(?:^|\n)content-type[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)/i;
const BOUNDARY_RE = /boundary[ \t]*=[ \t]*(?:"([^"]*)"|([^;\s]+))/i;
/** A part header block longer than this is not searched for its end (it is body text). */
const PART_HEADER_WINDOW = 64 * 1024;

export interface TopHeaderInfo {
  lines: number;
  bytes: number;
  /** The media type of the one top-level Content-Type header, lower-cased ('text/html'); null when
   *  there is none or more than one. */
  contentType: string | null;
}

/** Offset where the headers start: skips a UTF-8 BOM and an mbox "From " envelope line. */
function headerStart(s: string): number {
  let pos = s.startsWith('\ufeff') ? 1 : s.startsWith('\xef\xbb\xbf') ? 3 : 0;
  if (s.startsWith('From ', pos)) {
    const nl = s.indexOf('\n', pos);
    pos = nl < 0 ? s.length : nl + 1;
  }
  return pos;
}

/** Index of the first char of the blank line that ends the header block at `pos`, or -1. */
function headerEnd(s: string, pos: number, window: number): number {
  if (s.startsWith('\n', pos) || s.startsWith('\r\n', pos)) return pos;
  const limit = Math.min(s.length, pos + window);
  let i = pos;
  for (;;) {
    const nl = s.indexOf('\n', i);
    if (nl < 0 || nl >= limit) return -1;
    if (s.startsWith('\n', nl + 1) || s.startsWith('\r\n', nl + 1)) return nl + 1;
    i = nl + 1;
  }
}

/**
 * Refuses input that is not a mail, and a top-level header block over maxHeaderLines or
 * maxHeaderBytes. Rule for "not a mail": the first line (after a BOM or an mbox "From " line)
 * must be a header field line, and the top-level block must hold at least one of From, To,
 * Subject, Date, Message-ID, Content-Type, MIME-Version, Received, Return-Path. A PDF, a
 * binary blob or plain prose fails the first test; "Note: …" prose fails the second.
 */
export function checkTopHeader(source: Buffer, limits: ParseLimits): TopHeaderInfo {
  // Only the head is decoded: a header block longer than the limit is refused anyway.
  const s = source.toString('latin1', 0, Math.min(source.length, limits.maxHeaderBytes + 1024));
  const start = headerStart(s);
  const firstLineEnd = s.indexOf('\n', start);
  const firstLine = s.slice(start, firstLineEnd < 0 ? s.length : firstLineEnd);
  if (!HEADER_LINE_RE.test(firstLine)) {
    throw new PermanentError(PARSE_ERROR, 'not a mail: the input does not start with a header line');
  }
  const endAt = headerEnd(s, start, s.length);
  const end = endAt < 0 ? s.length : endAt;
  const bytes = end - start;
  if (bytes > limits.maxHeaderBytes || (endAt < 0 && source.length > s.length)) {
    throw new LimitError('maxHeaderBytes', `top-level headers exceed ${limits.maxHeaderBytes} bytes`);
  }
  let lines = 0;
  let known = false;
  let contentTypes = 0;
  let contentType: string | null = null;
  for (const line of s.slice(start, end).split('\n')) {
    if (line === '' || line === '\r' || line[0] === ' ' || line[0] === '\t') continue;
    lines++;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (!known && MAIL_HEADERS.has(name)) known = true;
    if (name === 'content-type') {
      contentTypes++;
      contentType = /^[ \t]*([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)/i.exec(line.slice(colon + 1))?.[1].toLowerCase() ?? null;
    }
  }
  if (lines > limits.maxHeaderLines) {
    throw new LimitError('maxHeaderLines', `${lines} top-level header lines, limit ${limits.maxHeaderLines}`);
  }
  if (!known) {
    throw new PermanentError(PARSE_ERROR, 'not a mail: no From, To, Subject, Date, Message-ID or Content-Type header');
  }
  return { lines, bytes, contentType: contentTypes === 1 ? contentType : null };
}

interface ContainerInfo {
  boundary: string | null; // set for multipart/* with a boundary
  rfc822: boolean; // message/rfc822 or message/global: the body is another message
}

function containerInfo(block: string): ContainerInfo {
  const m = CONTENT_TYPE_RE.exec(block);
  if (!m) return { boundary: null, rfc822: false };
  const value = m[1].replace(/\r?\n[ \t]/g, ' ');
  const type = value.split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const b = BOUNDARY_RE.exec(value);
    const boundary = b ? (b[1] ?? b[2]).trim() : '';
    return { boundary: boundary === '' ? null : boundary, rfc822: false };
  }
  return { boundary: null, rfc822: type === 'message/rfc822' || type === 'message/global' };
}

interface Frame {
  boundary: string;
  depth: number; // container depth of this multipart (the root multipart is 1)
}

/**
 * Measures MIME nesting depth on the raw boundaries: each multipart/* or message/rfc822
 * container adds one level (a single-part mail is 0, multipart/mixed with a body is 1,
 * mixed > alternative is 2). Throws LimitError past maxNestingDepth, as soon as it is seen.
 * A boundary line closes any deeper open multipart, as mail clients do for broken nesting.
 */
export function checkNestingDepth(source: Buffer, limits: ParseLimits): number {
  const s = source.toString('latin1');
  const max = limits.maxNestingDepth;
  const stack: Frame[] = [];
  let maxDepth = 0;
  const enter = (pos: number, depth: number): void => {
    for (;;) {
      const end = headerEnd(s, pos, PART_HEADER_WINDOW);
      const info = containerInfo(s.slice(pos, end < 0 ? Math.min(s.length, pos + PART_HEADER_WINDOW) : end));
      if (info.boundary === null && !info.rfc822) return;
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      if (depth > max) throw new LimitError('maxNestingDepth', `MIME nesting deeper than ${max} levels`);
      if (info.boundary !== null) {
        stack.push({ boundary: info.boundary, depth });
        return;
      }
      if (end < 0) return;
      pos = end + (s.startsWith('\r\n', end) ? 2 : 1); // the embedded message's headers
    }
  };
  enter(headerStart(s), 0);
  let i = 0;
  while (stack.length > 0) {
    const j = s.indexOf('\n--', i);
    if (j < 0) break;
    const lineEnd = s.indexOf('\n', j + 1);
    const stop = lineEnd < 0 ? s.length : lineEnd;
    i = stop;
    const line = s.slice(j + 3, stop).replace(/[ \t\r]+$/, '');
    const k = findFrame(stack, line);
    if (k < 0) continue;
    if (line.length > stack[k].boundary.length) {
      stack.length = k; // closing delimiter "--b--"
    } else {
      stack.length = k + 1;
      if (lineEnd >= 0) enter(lineEnd + 1, stack[k].depth);
    }
  }
  return maxDepth;
}

function findFrame(stack: Frame[], line: string): number {
  for (let k = stack.length - 1; k >= 0; k--) {
    const b = stack[k].boundary;
    if (line === b || (line.length === b.length + 2 && line.startsWith(b) && line.endsWith('--'))) return k;
  }
  return -1;
}
