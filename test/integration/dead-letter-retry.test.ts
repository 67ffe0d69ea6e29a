/**
 * A dead letter retried by an operator after the cause was fixed (here a limit raised): the same
 * register row is completed, the message leaves the error folder for its destination.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { loadConfig } from '../../src/config/load';
import { TRIAGE_QUEUE, triageJobId, type TriageJob } from '../../src/queue';
import { createLogger } from '../../src/shared/logger';
import { appendAll, inventory, pipelineEnv, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

const log = createLogger('warn');

function twoAttachments(): Buffer {
  const b = 'b-retry';
  const part = (n: number) => `--${b}\r\nContent-Type: text/plain; name="note${n}.txt"\r\nContent-Disposition: attachment; filename="note${n}.txt"\r\n\r\nPièce ${n}\r\n`;
  return Buffer.from(
    `From: Agence Traductions <devis@traductions-exemple.fr>\r\nTo: courrier@cleiss.fr\r\nSubject: Devis de traduction\r\nMessage-ID: <retry.1@traductions-exemple.fr>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      `--${b}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nBonjour, veuillez trouver notre devis pour la traduction de 12 pages de l'allemand vers le français.\r\n${part(1)}${part(2)}--${b}--\r\n`,
  );
}

test('retry of a dead letter after the limit is raised routes the same register row', async () => {
  const p = await pipelineEnv('retry', { limits: { maxAttachments: 1 } });
  const running: Running[] = [];
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queue = new Queue<TriageJob>(TRIAGE_QUEUE, { connection: redis, prefix: p.prefix });
  try {
    await appendAll(p.user, [twoAttachments()]);
    const first = await startTriage(p.config, log);
    running.push(startPoller(p.config, log));
    await waitFor('dead letter', () => first.register.counts().moved === 1);
    const dead = first.register.list({ limit: 1 })[0];
    expect(dead.status).toBe('error');
    expect(dead.error).toMatch(/maxAttachments/);
    await first.stop();
    // The administrator raises the limit and restarts the worker, then presses "Relancer".
    const fixed = await startTriage(loadConfig({ env: p.env, requirePassword: true, overrides: { worker: { backoffMs: 200 } } }), log);
    running.push(fixed);
    const src = fixed.register.sourcesOf(dead.id)[0];
    const job: TriageJob = { mailbox: src.mailbox, folder: src.folder!, uidValidity: src.uidValidity, uid: src.uid, internalDate: null, retry: true };
    await queue.add('triage', job, { jobId: `${triageJobId(job)}-retry-1` });
    await waitFor('row completed and message moved', () => fixed.register.history(dead.id).length === 4, 30000);
    const after = fixed.register.getItem(dead.id)!;
    expect(after.registerNo).toBe(dead.registerNo);
    expect(after.error).toBeNull();
    expect(fixed.register.history(dead.id).map((h) => h.action)).toEqual(['registered', 'moved', 'retried', 'moved']);
    const inv = await inventory(p.user);
    expect(inv).toHaveLength(1);
    expect(inv[0].folder).not.toMatch(/Erreurs/);
    expect(inv[0].folder).toBe(fixed.register.sourcesOf(dead.id)[0].folder);
    expect(fixed.register.counts().items).toBe(1);
  } finally {
    for (const r of running.reverse()) await r.stop();
    await queue.close();
    redis.disconnect();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
