/**
 * Scenario 5 (pipeline part): hostile input through the REAL pipeline — appended to Dovecot, found by
 * the poller, processed by a triage worker child process. Every message of the shared MIME corpora,
 * plus PDF bombs (many pages, a huge deflated stream): each routed or dead-lettered with a reason,
 * and the worker process never dies.
 */
import { startPoller, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { assertRunning, killChild, spawnEntry, WORKER_JS, type Child } from '../helpers/faults';
import { imapClient, waitFor } from '../helpers/pipeline';
import type { ImapTestUser } from '../helpers/services';
import { cleanupRedisPrefix } from '../helpers/services';
import { faultEnv, type FaultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { distinctSources, figures, registerCounts, report, settle } from './lib/figures';
import { corpusMessages, hugeStreamPdf, mailWithPdf, manyPagesPdf, mimeCorpusDir } from './lib/hostile';

jest.setTimeout(150000);

/** Append one by one: the server may refuse some (NUL bytes…); those never enter the pipeline. */
async function appendEach(u: ImapTestUser, sources: Buffer[]): Promise<{ appended: Buffer[]; refused: number }> {
  const c = imapClient(u);
  await c.connect();
  const appended: Buffer[] = [];
  let refused = 0;
  try {
    for (const s of sources) {
      const ok = await c.append('INBOX', s).then(
        (r) => r !== false,
        () => false,
      );
      if (ok) appended.push(s);
      else refused++;
    }
  } finally {
    await c.logout().catch(() => undefined);
  }
  return { appended, refused };
}

describe('reliability: hostile input through the real pipeline', () => {
  const children: Child[] = [];
  const running: Running[] = [];
  const envs: FaultEnv[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => killChild(c)));
    for (const r of running) await r.stop();
    for (const p of envs) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  async function run(label: string, sources: Buffer[], timeoutMs: number, extra: Record<string, unknown> = {}) {
    const p = await faultEnv(label.replace(/\W+/g, '-').slice(0, 30), { overrides: { worker: { concurrency: 4 } } });
    envs.push(p);
    const { appended, refused } = await appendEach(p.user, distinctSources(sources));
    const worker = spawnEntry(WORKER_JS, p.env);
    children.push(worker);
    const poller = startPoller(p.config, createLogger('silent'));
    running.push(poller);
    const started = Date.now();
    await waitFor('worker up and working', () => (assertRunning([worker]), registerCounts(p.registerPath).items > 0), 60000, 100);
    await settle(p.registerPath, appended.length, timeoutMs);
    const elapsedMs = Date.now() - started;
    const f = await figures(p.user, p.registerPath, appended.length);
    report(label, f, { refusedByServer: refused, elapsedMs, ...extra });
    // Never crashed, never restarted: the same process is still there.
    expect(worker.alive()).toBe(true);
    expect(worker.output()).not.toMatch(/uncaught|unhandled|fatal|heap out of memory/i);
    await killChild(worker, 'SIGTERM');
    expect((await worker.exited).code).toBe(0);
    return { f, elapsedMs };
  }

  test('every message of the shared MIME corpora: routed or dead-lettered with a reason', async () => {
    const corpus = mimeCorpusDir();
    if (!corpus) throw new Error('shared/corpora/mime not found beside the checkout nor in /work/shared');
    const msgs = corpusMessages(corpus);
    const { f } = await run('MIME corpora through the pipeline', msgs.map((m) => m.source), 90000, { files: msgs.length });
    expectClean(f);
  });

  test('PDF bombs (20,000 pages; a stream inflating to 150 MiB) do not hang the worker', async () => {
    const bombs = [
      mailWithPdf('bomb-pages', 'Dossier patient (bombe pages)', manyPagesPdf(20000)),
      mailWithPdf('bomb-stream', 'Dossier patient (bombe flux)', hugeStreamPdf(150)),
    ];
    // An ordinary message after the bombs must still go through quickly.
    const after = Buffer.from('From: a@example.org\r\nTo: courrier@cleiss.fr\r\nSubject: Remboursement soins dentaires\r\nMessage-ID: <after-bombs@hostile.test>\r\nDate: Tue, 03 Mar 2026 11:00:00 +0100\r\n\r\nBonjour, ma demande de remboursement de soins dentaires en Pologne.\r\n');
    const { f, elapsedMs } = await run('PDF bombs through the pipeline', [...bombs, after], 60000, { bombBytes: bombs.map((b) => b.length).join('+') });
    expectClean(f);
    // Each bomb costs at most the PDF time limit (5 s by default), not minutes.
    expect(elapsedMs).toBeLessThan(45000);
  });
});
