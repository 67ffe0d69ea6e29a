/**
 * worker.maxInFlightBytes on the real pipeline: with a budget smaller than any message, every job
 * waits for the one before it to be registered (each goes alone), and all of them still end in their
 * folder with one register row. A reservation that a path forgot to give back (a vanished message, a
 * dead letter, an error) would stop the worker here: the wait below would time out.
 */
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { appendAll, inventory, pipelineEnv, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, testRedisUrl } from '../helpers/services';

jest.setTimeout(90000);

test('a byte budget smaller than any message still routes every message, one at a time', async () => {
  const p = await pipelineEnv('budget', { worker: { concurrency: 16, maxInFlightBytes: 64, attempts: 10, backoffMs: 200, lockDurationMs: 30000, stalledIntervalMs: 30000 }, limits: { maxMessageBytes: 200 * 1024 } });
  const good = sampleMessages(12).map((m) => m.source);
  // Over maxMessageBytes: never downloaded, reserves nothing, and becomes a dead letter.
  const big = Buffer.from(`From: gros@example.org\r\nSubject: trop gros\r\nMessage-ID: <budget-big@example.org>\r\n\r\n${'x'.repeat(300 * 1024)}\r\n`);
  const sources = [...good, big];
  await appendAll(p.user, sources);
  const running: Running[] = [];
  try {
    const triage = await startTriage(p.config, createLogger('warn'));
    running.push(triage);
    running.push(startPoller(p.config, createLogger('warn')));
    const register = triage.register;
    await waitFor('every message registered and moved', () => register.counts().moved === sources.length, 60000);
    expect(register.counts()).toMatchObject({ items: sources.length, moved: sources.length, errors: 1 });
    const inv = await inventory(p.user);
    expect(inv.filter((m) => m.folder === 'INBOX')).toHaveLength(0);
    expect(inv).toHaveLength(sources.length);
  } finally {
    for (const r of running.reverse()) await r.stop();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
