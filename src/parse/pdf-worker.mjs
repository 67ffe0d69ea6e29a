// Extracts the text layer of one PDF inside a worker thread. Plain ESM on purpose: pdfjs-dist
// is ESM-only and the project is CommonJS, so this file is loaded by `new Worker(path)` and is
// not compiled by tsc. Input (workerData): { data: Uint8Array, maxPages, maxChars }.
// Output (one message): { ok: true, text, numPages, pagesRead } or { ok: false, error }.
// The parent bounds wall-clock time (terminate) and memory (resourceLimits).
import { parentPort, workerData } from 'node:worker_threads';

async function extract({ data, maxPages, maxChars }) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // isEvalSupported:false: never compile PDF-supplied functions with eval (hostile input).
  // verbosity 0: pdf.js must not print to the console (nothing in parse logs).
  const doc = await pdfjs.getDocument({
    data,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  }).promise;
  try {
    const pagesRead = Math.min(doc.numPages, maxPages);
    const parts = [];
    let chars = 0;
    for (let p = 1; p <= pagesRead && chars < maxChars; p++) {
      const page = await doc.getPage(p);
      const content = await page.getTextContent();
      let pageText = '';
      for (const item of content.items) {
        if (typeof item.str === 'string') pageText += item.str + (item.hasEOL ? '\n' : '');
      }
      parts.push(pageText);
      chars += pageText.length;
      page.cleanup();
    }
    return { ok: true, text: parts.join('\n\n').slice(0, maxChars), numPages: doc.numPages, pagesRead };
  } finally {
    await doc.destroy();
  }
}

extract(workerData).then(
  (result) => parentPort.postMessage(result),
  (err) => parentPort.postMessage({ ok: false, error: String(err && err.message ? err.message : err) }),
);
