/** The fixed message mix of the benchmark: the demo samples (plain), HTML versions of some of them,
 *  and multipart messages carrying a PDF with a text layer (a scanned letter's OCR). */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../src/config/load';

function samples(): Buffer[] {
  const dir = path.join(ROOT_DIR, 'config', 'samples');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => fs.readFileSync(path.join(dir, f)));
}

function split(src: Buffer): { head: string; body: string } {
  const s = src.toString('utf8');
  const i = s.search(/\r?\n\r?\n/);
  return { head: s.slice(0, i), body: s.slice(i).replace(/^\r?\n\r?\n/, '') };
}

function withoutContentHeaders(head: string): string {
  return head.replace(/^(Content-Type|Content-Transfer-Encoding|MIME-Version):.*(\r?\n[ \t].*)*\r?\n?/gim, '');
}

function htmlVersion(src: Buffer): Buffer {
  const { head, body } = split(src);
  const esc = body.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const html = `<html><body style="font-family:Arial"><div>${esc.split(/\r?\n/).map((l) => `<p>${l}</p>`).join('')}</div><img src="https://tracker.example.com/p.gif" width="1" height="1"></body></html>`;
  return Buffer.from(`${withoutContentHeaders(head).trimEnd()}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}\r\n`);
}

function pdfVersion(src: Buffer, pdf: Buffer): Buffer {
  const { head, body } = split(src);
  const b = 'bench-boundary-42';
  const pdf64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `${withoutContentHeaders(head).trimEnd()}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body.slice(0, 300)}\r\n` +
      `--${b}\r\nContent-Type: application/pdf; name="courrier.pdf"\r\nContent-Disposition: attachment; filename="courrier.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${pdf64}\r\n--${b}--\r\n`,
  );
}

/** 33 plain + 11 HTML + 6 with a PDF: the same mix in every run. */
export function benchMix(): Buffer[] {
  const plain = samples();
  const pdf = fs.readFileSync(path.join(ROOT_DIR, 'test', 'fixtures', 'parse', 'pdf', 'text-fr.pdf'));
  const html = plain.filter((_, i) => i % 3 === 0).map(htmlVersion);
  const withPdf = plain.filter((_, i) => i % 5 === 1).slice(0, 6).map((s) => pdfVersion(s, pdf));
  return [...plain, ...html, ...withPdf];
}

/** `n` messages from the mix, each with its own Message-ID (else the register rightly merges them). */
export function uniqueMessages(n: number, tag: string): Buffer[] {
  const mix = benchMix();
  return Array.from({ length: n }, (_, i) => {
    const s = mix[i % mix.length].toString('latin1');
    const id = `<bench-${tag}-${i}@aiguillage.test>`;
    const replaced = /^Message-ID:.*$/im.test(s) ? s.replace(/^Message-ID:.*$/im, `Message-ID: ${id}`) : `Message-ID: ${id}\r\n${s}`;
    return Buffer.from(replaced, 'latin1');
  });
}
