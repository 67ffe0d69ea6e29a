/**
 * PDF text-layer extraction, run in a worker thread (pdf.js is ESM-only and is a full
 * interpreter fed with hostile input): bounded in input bytes, pages, characters, wall-clock
 * time (the thread is terminated) and heap (Worker resourceLimits). Never throws: a PDF we
 * cannot read must not lose the mail, it only loses its text ('error' + reason).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ParsedAttachment, ParseLimits } from './types';

export type TextResult = Pick<ParsedAttachment, 'text' | 'textStatus' | 'textError'>;

const WORKER_FILE = 'pdf-worker.mjs';
/** The extraction thread is stopped after this long without a PDF (and restarted on the next one). */
const IDLE_TERMINATE_MS = 30_000;
/** Heap for one extraction: a 10 MiB PDF parses in far less; a PDF bomb hits this and dies. */
const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 8, stackSizeMb: 4 };

let cachedWorkerPath: string | null = null;

/**
 * Where pdf-worker.mjs is: next to this module under jest (src/parse), or in the repo's
 * src/parse when running the compiled dist/src/parse (tsc does not copy .mjs files).
 */
export function pdfWorkerPath(): string {
  if (cachedWorkerPath !== null) return cachedWorkerPath;
  const candidates = [
    path.join(__dirname, WORKER_FILE),
    path.resolve(__dirname, '..', '..', '..', 'src', 'parse', WORKER_FILE),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`${WORKER_FILE} not found (looked in ${candidates.join(', ')})`);
  cachedWorkerPath = found;
  return found;
}

interface WorkerReply {
  ok: boolean;
  text?: string;
  error?: string;
  numPages?: number;
  pagesRead?: number;
}

/**
 * One long-lived extraction thread, used for one PDF at a time (a queue). On a timeout, a crash or a
 * memory-limit kill the thread is terminated and the next PDF starts a fresh one. The thread is
 * unref'd so that it never keeps a process alive.
 */
class PdfThread {
  private worker: Worker | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private pending = 0;
  private idleTimer: NodeJS.Timeout | null = null;

  run(data: Uint8Array, limits: ParseLimits): Promise<WorkerReply> {
    this.pending++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const next = this.chain.then(() => this.runOne(data, limits));
    this.chain = next.catch(() => undefined).finally(() => {
      // pdf.js costs ~60 MB resident: give it back when no PDF came for a while.
      if (--this.pending === 0) {
        this.idleTimer = setTimeout(() => this.kill(), IDLE_TERMINATE_MS);
        this.idleTimer.unref();
      }
    });
    return next;
  }

  private spawn(): Worker {
    const w = new Worker(pdfWorkerPath(), {
      resourceLimits: WORKER_RESOURCE_LIMITS,
      stdout: true, // swallow anything pdf.js might print: parse never logs
      stderr: true,
    });
    w.unref();
    w.on('error', () => undefined);
    return w;
  }

  private kill(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }

  private runOne(data: Uint8Array, limits: ParseLimits): Promise<WorkerReply> {
    const worker = (this.worker ??= this.spawn());
    const id = ++this.seq;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (reply: WorkerReply, broken: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (broken) this.kill();
        resolve(reply);
      };
      const onMessage = (m: WorkerReply & { id?: number }) => m.id === id && finish(m, false);
      const onError = (err: Error) => finish({ ok: false, error: `PDF worker failed: ${err.message}` }, true);
      const onExit = (code: number) => finish({ ok: false, error: `PDF worker exited with code ${code}` }, true);
      const timer = setTimeout(() => finish({ ok: false, error: `PDF extraction timed out after ${limits.pdfTimeoutMs} ms` }, true), limits.pdfTimeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, data, maxPages: limits.pdfMaxPages, maxChars: limits.maxTextChars }, [data.buffer as ArrayBuffer]);
    });
  }
}

const thread = new PdfThread();

function runWorker(data: Uint8Array, limits: ParseLimits): Promise<WorkerReply> {
  return thread.run(data, limits);
}

export async function extractPdfText(content: Buffer, limits: ParseLimits): Promise<TextResult> {
  if (content.length > limits.pdfMaxBytes) {
    return { text: null, textStatus: 'error', textError: `PDF is ${content.length} bytes, over pdfMaxBytes ${limits.pdfMaxBytes}` };
  }
  let reply: WorkerReply;
  try {
    // A private copy whose buffer can be transferred (a Buffer may share a pooled ArrayBuffer).
    reply = await runWorker(new Uint8Array(content), limits);
  } catch (err) {
    reply = { ok: false, error: `PDF worker could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!reply.ok) return { text: null, textStatus: 'error', textError: reply.error ?? 'PDF extraction failed' };
  const text = (reply.text ?? '').trim();
  if ((reply.numPages ?? 0) > limits.pdfMaxPages) {
    // Keep what was read (useful for classification) but say the limit was hit.
    return {
      text: text === '' ? null : text,
      textStatus: 'error',
      textError: `PDF has ${reply.numPages} pages, text read from the first ${limits.pdfMaxPages} only`,
    };
  }
  if (text === '') return { text: null, textStatus: 'no-text-layer' };
  return { text, textStatus: 'ok' };
}
