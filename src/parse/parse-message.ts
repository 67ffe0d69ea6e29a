/**
 * Raw mail source -> ParsedMessage (our own type; no mailparser type leaks out).
 * Order matters: cheap checks on the raw bytes first (size, "is it a mail", headers, nesting),
 * then mailparser, then the attachment texts (PDFs in a bounded worker thread).
 */
import { compile } from 'html-to-text';
import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser';
import { LimitError, PermanentError } from '../shared/errors';
import { attachmentText } from './attachment-text';
import { validateLimits } from './limits';
import { checkNestingDepth, checkTopHeader } from './raw-scan';
import type { Address, ParsedAttachment, ParsedMessage, ParseLimits } from './types';

const PARSE_ERROR = 'AIG_ERR_PARSE';
/** HTML longer than this many times maxTextChars is not converted by html-to-text (slow on
 *  huge inputs); a cheap tag strip of its head is used instead. */
const HTML_TO_TEXT_FACTOR = 10;

/**
 * mailparser converts an HTML body with html-to-text's convert(), which compiles its selector set on
 * every call: about 0.5 ms of a 0.85 ms parse for an HTML-only mail. For the commonest HTML mail, a
 * single text/html part, the body is converted here with ONE compiled converter holding the options
 * mailparser passes (maxDepth 1000), so the text is the same. HTML with more tags than that depth or
 * longer than mailparser's own limit goes back through mailparser's guarded conversion (its nesting
 * check stops deep-nesting bombs that would cost seconds): rare, and parsed twice.
 */
const HTML_MAX_DEPTH = 1000; // mailparser's MAX_HTML_NESTING_DEPTH
const htmlToText = compile({ limits: { maxDepth: HTML_MAX_DEPTH } });

/** html-to-text of `html` when it has at most HTML_MAX_DEPTH tags (so it cannot nest deeper) and is
 *  within `maxLength`; else null. */
function smallHtmlToText(html: string, maxLength: number): string | null {
  if (html.length > maxLength) return null;
  let tags = 0;
  for (let i = html.indexOf('<'); i >= 0; i = html.indexOf('<', i + 1)) if (++tags > HTML_MAX_DEPTH) return null;
  return htmlToText(html);
}

export function stripAngles(id: string): string {
  return id.trim().replace(/^<+/, '').replace(/>+$/, '').trim();
}

function msgIds(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const all = (Array.isArray(value) ? value : [value]).flatMap((v) => v.match(/<[^<>]*>|[^\s<>,]+/g) ?? []);
  return all.map(stripAngles).filter((id) => id !== '');
}

function flattenAddresses(list: EmailAddress[]): Address[] {
  return list.flatMap((a) =>
    a.group ? flattenAddresses(a.group) : a.address ? [{ address: a.address.toLowerCase(), name: a.name ?? '' }] : [],
  );
}

function addresses(header: AddressObject | AddressObject[] | undefined): Address[] {
  if (header === undefined) return [];
  return (Array.isArray(header) ? header : [header]).flatMap((h) => flattenAddresses(h.value));
}

/** Cheap, bounded HTML -> text for HTML too large for html-to-text. */
function stripTags(html: string, maxChars: number): string {
  return html
    .slice(0, maxChars * 4)
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .slice(0, maxChars);
}

function bodyText(mail: ParsedMail, limits: ParseLimits): string {
  let text = mail.text ?? '';
  if (text.trim() === '' && mail.textConversionError && typeof mail.html === 'string') {
    text = stripTags(mail.html, limits.maxTextChars);
  }
  return text.slice(0, limits.maxTextChars);
}

/** mailparser reports its own caps (node header size, child node count) as EMAXLEN errors. */
function toParseError(err: unknown): PermanentError {
  if (err instanceof PermanentError) return err;
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.code === 'EMAXLEN') {
    return /child nodes/i.test(message)
      ? new LimitError('maxAttachments', `too many MIME parts (${message})`)
      : new LimitError('maxHeaderBytes', message);
  }
  return new PermanentError(PARSE_ERROR, `unparseable message: ${message}`, { cause: err });
}

async function toAttachment(a: Attachment, limits: ParseLimits): Promise<ParsedAttachment> {
  const contentType = (a.contentType ?? 'application/octet-stream').toLowerCase();
  const filename = a.filename ?? '';
  const ct = a.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  const result = await attachmentText(contentType, ct?.params?.charset, filename, a.content, limits);
  return {
    filename,
    contentType,
    size: a.content.length,
    sha256: a.checksum,
    text: result.text,
    textStatus: result.textStatus,
    ...(result.textError !== undefined ? { textError: result.textError } : {}),
    content: a.content,
  };
}

function checkSource(source: Buffer, limits: ParseLimits): void {
  if (!Buffer.isBuffer(source)) throw new PermanentError(PARSE_ERROR, 'source must be a Buffer');
  if (source.length > limits.maxMessageBytes) {
    throw new LimitError('maxMessageBytes', `message is ${source.length} bytes, limit ${limits.maxMessageBytes}`);
  }
  if (source.length === 0) throw new PermanentError(PARSE_ERROR, 'empty message');
}

export async function parseMessage(source: Buffer, limits: ParseLimits): Promise<ParsedMessage> {
  const lim = validateLimits(limits);
  checkSource(source, lim);
  const head = checkTopHeader(source, lim);
  checkNestingDepth(source, lim);
  const maxHtmlLength = lim.maxTextChars * HTML_TO_TEXT_FACTOR;
  const run = (skipHtmlToText: boolean): Promise<ParsedMail> =>
    simpleParser(source, {
      checksumAlgo: 'sha256',
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipHtmlToText,
      maxHtmlLengthToParse: maxHtmlLength,
      maxHeadSize: lim.maxHeaderBytes,
      // a part bomb is refused by mailparser before it buffers every part
      maxChildNodes: lim.maxAttachments * 4 + 16,
    });
  let mail: ParsedMail;
  try {
    const htmlOnly = head.contentType === 'text/html';
    mail = await run(htmlOnly);
    if (htmlOnly) {
      // mailparser left the text empty (skipHtmlToText); a text beside the HTML means the top header
      // misled us. Without HTML, skipping changed nothing.
      if (typeof mail.html === 'string') {
        const text = (mail.text ?? '') === '' ? smallHtmlToText(mail.html, maxHtmlLength) : null;
        if (text !== null) mail.text = text;
        else mail = await run(false);
      }
    }
  } catch (err) {
    throw toParseError(err);
  }
  if (mail.attachments.length > lim.maxAttachments) {
    throw new LimitError('maxAttachments', `${mail.attachments.length} attachments, limit ${lim.maxAttachments}`);
  }
  const decoded = mail.attachments.reduce((n, a) => n + a.content.length, 0);
  if (decoded > lim.maxMessageBytes) {
    throw new LimitError('maxMessageBytes', `decoded attachments total ${decoded} bytes, limit ${lim.maxMessageBytes}`);
  }
  const attachments: ParsedAttachment[] = [];
  // One PDF worker at a time per message: bounds CPU and memory per job.
  for (const a of mail.attachments) attachments.push(await toAttachment(a, lim));
  const date = mail.date instanceof Date && !Number.isNaN(mail.date.getTime()) ? mail.date : null;
  return {
    messageId: msgIds(mail.messageId)[0] ?? null,
    inReplyTo: msgIds(mail.inReplyTo)[0] ?? null,
    references: msgIds(mail.references),
    from: addresses(mail.from)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: (mail.subject ?? '').slice(0, lim.maxTextChars),
    date,
    text: bodyText(mail, lim),
    html: typeof mail.html === 'string' ? mail.html : null,
    attachments,
    headerLines: head.lines,
    size: source.length,
  };
}
