import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import { extractPdfText } from '../../../src/parse/pdf';
import { checkPdfReader, onePagePdf } from '../../../src/parse/pdf-check';

describe('checkPdfReader (start-up check of the PDF thread)', () => {
  it('reads the check PDF through the real extraction thread', async () => {
    const r = await checkPdfReader(DEFAULT_PARSE_LIMITS);
    expect(r).toEqual({ ok: true, ms: expect.any(Number) });
  });

  it('passes with size and text bounds set below the check PDF', async () => {
    const r = await checkPdfReader({ ...DEFAULT_PARSE_LIMITS, pdfMaxBytes: 10, maxTextChars: 5 });
    expect(r.ok).toBe(true);
  });

  it("reports the extractor's error", async () => {
    const r = await checkPdfReader(DEFAULT_PARSE_LIMITS, async () => ({ text: null, textStatus: 'error', textError: 'PDF worker could not start: pdf-worker.mjs not found' }));
    expect(r).toEqual({ ok: false, error: 'PDF worker could not start: pdf-worker.mjs not found' });
  });

  it('fails when the text does not come back, and when the extractor throws', async () => {
    expect(await checkPdfReader(DEFAULT_PARSE_LIMITS, async () => ({ text: null, textStatus: 'no-text-layer' }))).toEqual({
      ok: false,
      error: "the check PDF's text did not come back (status no-text-layer)",
    });
    expect(await checkPdfReader(DEFAULT_PARSE_LIMITS, async () => ({ text: 'autre chose', textStatus: 'ok' }))).toEqual({ ok: false, error: "the check PDF's text came back altered" });
    expect(await checkPdfReader(DEFAULT_PARSE_LIMITS, async () => Promise.reject(new Error('boom')))).toEqual({ ok: false, error: 'boom' });
  });

  it('onePagePdf builds a PDF whose text pdf.js reads, and refuses text it would have to escape', async () => {
    const r = await extractPdfText(onePagePdf('Courrier 42 recu'), DEFAULT_PARSE_LIMITS);
    expect(r).toEqual({ text: 'Courrier 42 recu', textStatus: 'ok' });
    expect(() => onePagePdf('a (b)')).toThrow(/ASCII letters/);
  });
});
