/**
 * A start-up check of the PDF reader: the triage worker reads the text layer of a small PDF built
 * here, so that a reader that cannot work (pdf-worker.mjs missing from a deployment, pdf.js failing
 * to load, a thread that cannot start) is reported once, loudly, when the worker starts, instead of
 * showing only as 'error' text statuses on the scanned letters it meets later. It also starts the
 * extraction thread, so the first PDF after a start does not wait for pdf.js to load (~100 ms here).
 */
import { extractPdfText, type TextResult } from './pdf';
import type { ParseLimits } from './types';

/** Numbered objects → a PDF with a correct xref table (object 1 is the catalog). */
export function buildPdf(objects: Buffer[]): Buffer {
  const chunks = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = chunks[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const buf = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    chunks.push(buf);
    offset += buf.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  chunks.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`));
  return Buffer.concat(chunks);
}

/** A standard font every PDF reader has (not embedded). */
export const HELVETICA = Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');

/** One A4 page showing `text` (ASCII letters, digits and spaces) in Helvetica. */
export function onePagePdf(text: string): Buffer {
  if (!/^[A-Za-z0-9 ]*$/.test(text)) throw new Error('onePagePdf: ASCII letters, digits and spaces only');
  const content = Buffer.from(`BT /F1 12 Tf 72 720 Td (${text}) Tj ET`);
  return buildPdf([
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [5 0 R] /Count 1 >>'),
    HELVETICA,
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>'),
  ]);
}

const CHECK_TEXT = 'Aiguillage controle du lecteur PDF';

export type PdfReaderCheck = { ok: true; ms: number } | { ok: false; error: string };

/**
 * Reads the check PDF with the configured limits, but for the size and text bounds (the check PDF must
 * pass them whatever they are set to), and says whether its text came back. The configured time limit
 * applies: one too short for the thread to start would fail every PDF after an idle spell. Never throws.
 */
export async function checkPdfReader(
  limits: ParseLimits,
  extract: (content: Buffer, limits: ParseLimits) => Promise<TextResult> = extractPdfText,
): Promise<PdfReaderCheck> {
  const t0 = performance.now();
  let r: TextResult;
  try {
    const pdf = onePagePdf(CHECK_TEXT);
    r = await extract(pdf, { ...limits, pdfMaxBytes: Math.max(limits.pdfMaxBytes, pdf.length), maxTextChars: Math.max(limits.maxTextChars, CHECK_TEXT.length) });
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (r.textStatus === 'ok' && r.text?.includes(CHECK_TEXT)) return { ok: true, ms: Math.round(performance.now() - t0) };
  if (r.textStatus === 'error') return { ok: false, error: r.textError ?? 'PDF extraction failed' };
  if (r.textStatus === 'ok') return { ok: false, error: "the check PDF's text came back altered" };
  return { ok: false, error: `the check PDF's text did not come back (status ${r.textStatus})` };
}
