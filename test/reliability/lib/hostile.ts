/**
 * Hostile input for the reliability suite: the shared MIME corpora (read in place, .mbox split on
 * `From ` lines), generated PDF bombs, and a seeded mutation fuzzer. Everything is deterministic.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT_DIR } from '../../../src/config/load';
import { buildPdf, HELVETICA } from '../../../src/parse/pdf-check';

const ROOT = ROOT_DIR;

/** Where the shared corpora are: beside the work tree (CI's copy), else the workplace's. */
export function mimeCorpusDir(): string | null {
  const candidates = [path.join(ROOT, '..', 'shared', 'corpora', 'mime'), '/work/shared/corpora/mime'];
  return candidates.find((d) => fs.existsSync(d)) ?? null;
}

export interface CorpusMessage {
  name: string;
  source: Buffer;
}

/** Every file of the corpus (SOURCES.md excepted); each .mbox gives one message per `From ` line. */
export function corpusMessages(dir: string): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.mbox')) splitMbox(fs.readFileSync(full)).forEach((m, i) => out.push({ name: `${path.relative(dir, full)}#${i + 1}`, source: m }));
      else if (!name.endsWith('.md')) out.push({ name: path.relative(dir, full), source: fs.readFileSync(full) });
    }
  };
  walk(dir);
  return out;
}

/** Split an mbox on lines starting with `From ` (the separator line itself is dropped). */
export function splitMbox(buf: Buffer): Buffer[] {
  const text = buf.toString('latin1');
  const starts: number[] = [];
  const re = /(^|\n)From [^\n]*\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index + m[1].length, m.index + m[0].length);
  const parts: Buffer[] = [];
  for (let i = 0; i < starts.length; i += 2) {
    const end = i + 2 < starts.length ? starts[i + 2] : text.length;
    const part = buf.subarray(starts[i + 1], end);
    if (part.length > 0) parts.push(part);
  }
  return parts;
}

/** `pages` pages sharing one small content stream: a page-count bomb (cheap bytes, many pages). */
export function manyPagesPdf(pages: number): Buffer {
  // 1 catalog, 2 pages, 3 font, 4 content, 5.. pages
  const content = Buffer.from('BT /F1 12 Tf 72 720 Td (Page de garde) Tj ET');
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(' ');
  const objs = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`),
    HELVETICA,
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    ...Array.from({ length: pages }, () => Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>')),
  ];
  return buildPdf(objs);
}

/** One page whose FlateDecode content stream inflates to `inflatedMb` MiB of text operators. */
export function hugeStreamPdf(inflatedMb: number): Buffer {
  const op = Buffer.from('BT /F1 9 Tf 10 10 Td (aiguillage bombe texte repetee) Tj ET\n');
  const block = Buffer.concat(Array.from({ length: Math.ceil((1024 * 1024) / op.length) }, () => op));
  const data = zlib.deflateSync(Buffer.concat(Array.from({ length: inflatedMb }, () => block)), { level: 9 });
  const objs = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [5 0 R] /Count 1 >>'),
    HELVETICA,
    Buffer.concat([Buffer.from(`<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`), data, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>'),
  ];
  return buildPdf(objs);
}

/** A plain mail with one PDF attachment (base64, 76-column lines). */
export function mailWithPdf(id: string, subject: string, pdf: Buffer): Buffer {
  const b64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Centre hospitalier <contact@ch-exemple.fr>',
      'To: courrier@cleiss.fr',
      `Subject: ${subject}`,
      `Message-ID: <${id}@hostile.test>`,
      'Date: Tue, 03 Mar 2026 10:00:00 +0100',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Bonjour, veuillez trouver ci-joint le document concernant les soins à l\'étranger.',
      '--b1',
      'Content-Type: application/pdf; name="document.pdf"',
      'Content-Disposition: attachment; filename="document.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** Seeded PRNG (src/shared/prng.ts): a failing fuzz case can be replayed from its seed. */
export { mulberry32 as prng } from '../../../src/shared/prng';

export type Mutation = 'truncate' | 'flip-bytes' | 'break-boundary' | 'wrong-charset' | 'duplicate-headers' | 'huge-header-line' | 'nul-bytes' | 'drop-separator';
export const MUTATIONS: Mutation[] = ['truncate', 'flip-bytes', 'break-boundary', 'wrong-charset', 'duplicate-headers', 'huge-header-line', 'nul-bytes', 'drop-separator'];

/** Apply one mutation to a message, driven by `rnd` (deterministic for a given seed). */
export function mutate(src: Buffer, kind: Mutation, rnd: () => number): Buffer {
  const text = src.toString('latin1');
  const at = (n: number) => Math.floor(rnd() * n);
  const headerEnd = Math.max(0, text.search(/\r?\n\r?\n/));
  switch (kind) {
    case 'truncate':
      return src.subarray(0, at(src.length));
    case 'flip-bytes': {
      const out = Buffer.from(src);
      for (let i = 0, n = 1 + at(40); i < n; i++) out[at(out.length)] = at(256);
      return out;
    }
    case 'break-boundary':
      return Buffer.from(text.replace(/boundary="?([^";\r\n]+)"?/i, () => `boundary="${'x'.repeat(at(3))}"`).replace(/--[^\r\n]{6,}--/g, ''), 'latin1');
    case 'wrong-charset': {
      const cs = ['utf-7', 'x-unknown-42', 'iso-2022-jp', 'utf-16', 'koi8-r', ''][at(6)];
      return Buffer.from(/charset=/i.test(text) ? text.replace(/charset="?[\w-]+"?/gi, `charset="${cs}"`) : text.replace(/\r?\n\r?\n/, `\r\nContent-Type: text/plain; charset="${cs}"\r\n\r\n`), 'latin1');
    }
    case 'duplicate-headers': {
      const head = text.slice(0, headerEnd);
      const dup = head.split(/\r?\n/).filter((l) => /^(From|To|Subject|Content-Type|Message-ID|Date|Content-Transfer-Encoding):/i.test(l));
      const extra = Array.from({ length: 1 + at(30) }, () => dup[at(dup.length)] ?? 'Subject: x').join('\r\n');
      return Buffer.from(`${extra}\r\n${text}`, 'latin1');
    }
    case 'huge-header-line':
      return Buffer.from(`X-Huge: ${'A'.repeat(100_000 + at(400_000))}\r\n${text}`, 'latin1');
    case 'nul-bytes': {
      const out = Buffer.from(src);
      for (let i = 0, n = 1 + at(20); i < n; i++) out[at(out.length)] = 0;
      return out;
    }
    case 'drop-separator':
      return Buffer.from(text.replace(/\r?\n\r?\n/, '\r\n'), 'latin1');
  }
}
