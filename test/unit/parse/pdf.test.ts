import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extractPdfText, pdfWorkerPath } from '../../../src/parse/pdf';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import { manyPagesPdf } from '../../reliability/lib/hostile';

const pdf = (name: string): Buffer => readFileSync(path.join(__dirname, '../../fixtures/parse/pdf', name));

describe('extractPdfText (pdf.js in a worker thread)', () => {
  it('finds the worker script next to the module under jest', () => {
    expect(pdfWorkerPath()).toMatch(/src[\\/]parse[\\/]pdf-worker\.mjs$/);
  });

  it('extracts a French text layer with its accents', async () => {
    const r = await extractPdfText(pdf('text-fr.pdf'), DEFAULT_PARSE_LIMITS);
    expect(r.textStatus).toBe('ok');
    expect(r.text).toContain('nous accusons réception de votre demande');
    expect(r.text).toContain('Le certificat A1 sera délivré');
  });

  it("reports 'no-text-layer' for an image-only (scanned) PDF", async () => {
    const r = await extractPdfText(pdf('image-only.pdf'), DEFAULT_PARSE_LIMITS);
    expect(r).toEqual({ text: null, textStatus: 'no-text-layer' });
  });

  it('reads only pdfMaxPages pages and says so', async () => {
    const r = await extractPdfText(pdf('three-pages.pdf'), { ...DEFAULT_PARSE_LIMITS, pdfMaxPages: 2 });
    expect(r.textStatus).toBe('error');
    expect(r.textError).toMatch(/3 pages.*first 2/);
    expect(r.text).toContain('Page deux');
    expect(r.text).not.toContain('Page trois');
  });

  it('reads all pages when under the limit', async () => {
    const r = await extractPdfText(pdf('three-pages.pdf'), DEFAULT_PARSE_LIMITS);
    expect(r.textStatus).toBe('ok');
    expect(r.text).toContain('Page trois');
  });

  it('refuses a PDF over pdfMaxBytes without starting a worker', async () => {
    const r = await extractPdfText(pdf('text-fr.pdf'), { ...DEFAULT_PARSE_LIMITS, pdfMaxBytes: 100 });
    expect(r.textStatus).toBe('error');
    expect(r.textError).toMatch(/over pdfMaxBytes 100/);
  });

  it('terminates the worker on timeout', async () => {
    // 3,000 pages to read take far longer than 50 ms (a one-page PDF could beat a 1 ms timer).
    const r = await extractPdfText(manyPagesPdf(3000), { ...DEFAULT_PARSE_LIMITS, pdfMaxPages: 3000, pdfTimeoutMs: 50 });
    expect(r).toEqual({ text: null, textStatus: 'error', textError: 'PDF extraction timed out after 50 ms' });
    // The next PDF gets a fresh thread.
    expect((await extractPdfText(pdf('text-fr.pdf'), DEFAULT_PARSE_LIMITS)).textStatus).toBe('ok');
  });

  it("turns a broken PDF into 'error', never a throw", async () => {
    const r = await extractPdfText(pdf('broken.pdf'), DEFAULT_PARSE_LIMITS);
    expect(r.textStatus).toBe('error');
    expect(r.text).toBeNull();
  });

  it('bounds the text to maxTextChars', async () => {
    const r = await extractPdfText(pdf('text-fr.pdf'), { ...DEFAULT_PARSE_LIMITS, maxTextChars: 20 });
    expect(r.text?.length).toBeLessThanOrEqual(20);
  });
});
