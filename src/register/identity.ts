import crypto from 'node:crypto';

/**
 * The identity of a message independent of where it was delivered: Message-ID, From, Date, Subject and
 * the body bytes. Trace headers (Received, Delivered-To, Return-Path…) differ between two copies of
 * the same mail sent to two watched addresses, so they are left out on purpose.
 */
export function dedupeKey(source: Buffer): string {
  const { headerEnd, bodyStart } = splitHeader(source);
  const headers = unfold(source.subarray(0, headerEnd).toString('latin1'));
  const pick = (name: string) => headers.filter((h) => h.name === name).map((h) => h.value.trim()).join('\n');
  const h = crypto.createHash('sha256');
  for (const name of ['message-id', 'from', 'date', 'subject']) h.update(`${name}:${pick(name)}\n`);
  h.update(source.subarray(bodyStart));
  return h.digest('hex');
}

/** Message-ID without angle brackets, from the raw header (null when absent). */
export function rawMessageId(source: Buffer): string | null {
  const { headerEnd } = splitHeader(source);
  const h = unfold(source.subarray(0, headerEnd).toString('latin1')).find((x) => x.name === 'message-id');
  const m = h?.value.match(/<([^<>\s]+)>/) ?? h?.value.trim().match(/^(\S+)$/);
  return m ? m[1] : null;
}

function splitHeader(buf: Buffer): { headerEnd: number; bodyStart: number } {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return { headerEnd: buf.length, bodyStart: buf.length };
}

function unfold(block: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length > 0) out[out.length - 1].value += ' ' + line.trim();
    else {
      const i = line.indexOf(':');
      if (i > 0) out.push({ name: line.slice(0, i).trim().toLowerCase(), value: line.slice(i + 1) });
    }
  }
  return out;
}
