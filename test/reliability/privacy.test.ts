/**
 * Scenario 6: personal data never reaches the logs at the default level (info). Messages carrying
 * NIRs (valid keys), names and postal addresses — routed ones and dead letters — go through the
 * pipeline twice: in-process with pino writing to a captured stream, then as real poller and worker
 * child processes whose stdout/stderr are scanned. The register must hold the data (so the scan is
 * meaningful), the logs must not.
 */
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { isValidNir, nirKey } from '../../src/index/nir';
import { Register } from '../../src/register/sqlite';
import { createLogger } from '../../src/shared/logger';
import { assertRunning, killChild, POLLER_JS, spawnEntry, WORKER_JS, type Child } from '../helpers/faults';
import { appendAll, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix } from '../helpers/services';
import { faultEnv, type FaultEnv } from './lib/env';
import { expectClean } from './lib/assert';
import { figures, registerCounts, report, settle } from './lib/figures';

jest.setTimeout(120000);

function nir(body13: string): string {
  const key = String(nirKey(body13)).padStart(2, '0');
  if (!isValidNir(body13 + key)) throw new Error(`test NIR ${body13}${key} is not valid`);
  return body13 + key;
}

const PEOPLE = [
  { name: 'Éloïse Vandermeersch', email: 'eloise.vdm@example.fr', nir: nir('2870569123456'), street: 'rue des Tanneurs', town: '59800 Lille' },
  { name: 'Jean-Baptiste Kowalczyk', email: 'jb.kowalczyk@example.pl', nir: nir('1841275108023'), street: 'impasse du Moulin-Brûlé', town: '67000 Strasbourg' },
  { name: 'Maria Gonçalves Ferreira', email: 'maria.gf@example.pt', nir: nir('2920399350112'), street: 'Rua das Flores', town: '4050-262 Porto' },
];

const spaced = (n: string) => `${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 10)} ${n.slice(10, 13)} ${n.slice(13)}`;

function messages(tag: string): Buffer[] {
  const routed = PEOPLE.map((p, i) =>
    Buffer.from(
      [
        `From: ${p.name} <${p.email}>`,
        'To: courrier@cleiss.fr',
        `Subject: Remboursement de soins - ${p.name} - NIR ${p.nir}`,
        `Message-ID: <privacy-${tag}-${i}@example.fr>`,
        'Date: Tue, 03 Mar 2026 10:00:00 +0100',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Bonjour, je suis ${p.name}, numéro de sécurité sociale ${spaced(p.nir)}.`,
        `J'habite au 17 ${p.street}, ${p.town}. J'ai reçu des soins dentaires en Pologne et je demande le remboursement.`,
        '',
      ].join('\r\n'),
    ),
  );
  const [a, b] = PEOPLE;
  // Dead letters whose reason could echo the input: no header at all, and too many header lines.
  const notAMail = Buffer.from(`${a.name} ${spaced(a.nir)} ${a.street} ${a.town}\r\nmerci de traiter ${tag}\r\n`);
  const manyHeaders = Buffer.from(
    Array.from({ length: 800 }, (_, i) => `X-Patient-${i}: ${b.name} ${b.nir} ${b.street}`).join('\r\n') + `\r\nSubject: ${tag}\r\n\r\ncorps\r\n`,
  );
  return [...routed, notAMail, manyHeaders];
}

/** Every form in which a piece of personal data could leak. */
function needles(): string[] {
  return PEOPLE.flatMap((p) => [
    ...p.name.split(/[\s-]+/).filter((w) => w.length > 4),
    p.nir,
    p.nir.slice(0, 13),
    spaced(p.nir),
    p.street,
    p.town,
  ]);
}

function leaks(text: string): string[] {
  const lower = text.toLowerCase();
  return needles().filter((n) => lower.includes(n.toLowerCase()));
}

describe('reliability: no personal data in the logs at info level', () => {
  const running: Running[] = [];
  const children: Child[] = [];
  const envs: FaultEnv[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => killChild(c)));
    for (const r of running.reverse()) await r.stop();
    for (const p of envs) await cleanupRedisPrefix(p.env.REDIS_URL, p.prefix);
  });

  async function check(label: string, p: FaultEnv, logs: () => string, count: number): Promise<void> {
    await settle(p.registerPath, count, 60000);
    const f = await figures(p.user, p.registerPath, count);
    const text = logs();
    const found = leaks(text);
    report(label, f, { logLines: text.split('\n').filter(Boolean).length, leaks: found.length });
    expectClean(f);
    expect(f.errors).toBe(2);
    // The scan means something only if info lines were written and the data did go through.
    expect(text).toMatch(/message registered and routed/);
    expect(text).toMatch(/dead letter/);
    const r = new Register({ path: p.registerPath, numberPrefix: 'DAJ', replyDelayDays: 30 });
    try {
      expect(r.list({ limit: 100 }).map((i) => i.senderName ?? '').join('|')).toContain(PEOPLE[0].name);
    } finally {
      r.close();
    }
    expect(found).toEqual([]);
  }

  test('in-process pipeline, pino output captured', async () => {
    const p = await faultEnv('privacy-inproc', { logLevel: 'info' });
    envs.push(p);
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => void lines.push(s) });
    const sources = messages('inproc');
    await appendAll(p.user, sources);
    running.push(await startTriage(p.config, log), startPoller(p.config, log));
    await check('privacy, in-process logs (info)', p, () => lines.join(''), sources.length);
  });

  test('worker and poller child processes, stdout and stderr scanned', async () => {
    const p = await faultEnv('privacy-child', { logLevel: 'info' });
    envs.push(p);
    const sources = messages('child');
    await appendAll(p.user, sources);
    const worker = spawnEntry(WORKER_JS, p.env);
    const poller = spawnEntry(POLLER_JS, p.env);
    children.push(worker, poller);
    await waitFor('first registered', () => (assertRunning([worker, poller]), registerCounts(p.registerPath).items > 0), 60000, 100);
    await check('privacy, child process output (info)', p, () => worker.output() + poller.output(), sources.length);
  });
});
