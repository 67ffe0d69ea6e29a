import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { JobType } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { triageJobId, type DeadLetter } from '../../queue';
import { AigError } from '../../shared/errors';
import { ADMIN, type DashboardDeps } from '../deps';
import { frDateTime, html } from '../html';
import { csrfField, flashOf, redirectWith, sendPage } from '../layout';

/** Key the poller writes its status to (JSON: state, lastPollAt, idle, error…); read as-is here. */
export function pollerStatusKey(prefix: string, mailbox: string): string {
  return `${prefix}:poller:status:${mailbox}`;
}

export const QUEUES_PATH = '/admin/queues';
const DEAD_STATES: JobType[] = ['waiting', 'delayed', 'active', 'completed', 'failed'];

type DeadData = DeadLetter & { retries?: number };

async function healthRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  app.get('/admin/health', { config: { access: ADMIN } }, async (req, reply) => {
    const pollers = await Promise.all(
      deps.config.mailboxes.map(async (mb) => {
        const raw = await deps.redis.get(pollerStatusKey(deps.config.redis.prefix, mb.id)).catch(() => null);
        let status: Record<string, unknown> | null = null;
        try {
          status = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
        } catch {
          status = { illisible: raw };
        }
        return { id: mb.id, status };
      }),
    );
    const [triage, dead, retrain] = await Promise.all([deps.triageQueue.getJobCounts(), deps.deadQueue.getJobCounts(), deps.retrainQueue.getJobCounts()]);
    const deadJobs = (await deps.deadQueue.getJobs(DEAD_STATES, 0, 199)).filter(Boolean);
    const counts = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'vide';
    const body = html`<div class="grid">
      <section class="card"><h2>Relève des boîtes</h2><table id="pollers"><thead><tr><th>Boîte</th><th>État</th></tr></thead><tbody>${pollers.map(
        (p) => html`<tr><td>${p.id}</td><td>${p.status ? html`<dl>${Object.entries(p.status).map(([k, v]) => html`<dt>${k}</dt><dd>${typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? frDateTime(v) : JSON.stringify(v)}</dd>`)}</dl>` : html`<span class="bad">aucun état publié</span>`}</td></tr>`,
      )}</tbody></table></section>
      <section class="card"><h2>Files</h2><dl id="queues"><dt>triage</dt><dd>${counts(triage)}</dd><dt>lettres mortes</dt><dd>${counts(dead)}</dd><dt>réentraînement</dt><dd>${counts(retrain)}</dd></dl>
        <p><a href="${QUEUES_PATH}">Inspecter les files (bull-board, lecture seule)</a></p></section></div>
      <h2>Lettres mortes</h2>
      <table id="dead-letters"><thead><tr><th>N°</th><th>Date</th><th>Erreur</th><th>Source</th><th>Relances</th><th></th></tr></thead><tbody>${deadJobs.map((j) => {
        const d = j.data as DeadData;
        return html`<tr><td>${d.registerNo ? html`<a href="/items/${encodeURIComponent(d.registerNo)}">${d.registerNo}</a>` : '—'}</td><td>${frDateTime(d.at)}</td><td class="bad">${d.error}</td>
          <td>${d.job.mailbox} UID ${d.job.uid}</td><td>${d.retries ?? 0}</td>
          <td><form method="post" action="/admin/dead/${encodeURIComponent(String(j.id))}/retry">${csrfField(req)}<button type="submit">Relancer</button></form></td></tr>`;
      })}</tbody></table>`;
    return sendPage(req, reply, 'Santé', body, 200, flashOf(req));
  });

  app.post('/admin/dead/:id/retry', { config: { access: ADMIN } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const job = await deps.deadQueue.getJob(id);
    if (!job) throw new AigError('AIG_ERR_NOT_FOUND', `lettre morte ${id} introuvable`);
    const d = job.data as DeadData;
    const n = (d.retries ?? 0) + 1;
    // The dead letter's folder is where the message is now (the error folder), read from the register.
    const item = d.registerNo ? deps.register.getByNumber(d.registerNo) : null;
    const src = item ? deps.register.sourcesOf(item.id).find((s) => s.mailbox === d.job.mailbox && s.uid === d.job.uid) : undefined;
    const folder = src?.folder ?? (d.job.folder || deps.config.mailboxes.find((m) => m.id === d.job.mailbox)?.folder || 'INBOX');
    const jobId = `${triageJobId(d.job)}-retry-${n}`;
    await deps.triageQueue.add('triage', { ...d.job, folder, retry: true }, { jobId });
    await job.updateData({ ...d, retries: n } as DeadData);
    req.log.info({ event: 'dead-letter-retry', jobId, registerNo: d.registerNo }, 'dead letter re-queued');
    return redirectWith(reply, '/admin/health', { ok: `Relancé (${jobId}).` });
  });

  // bull-board in read-only mode (no retry/clean/delete buttons): changes go through our own
  // CSRF-checked forms. Its routes declare no access, so the auth plugin makes them admin-only.
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: [deps.triageQueue, deps.deadQueue, deps.retrainQueue].map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Aiguillage' } },
  });
  await app.register(serverAdapter.registerPlugin() as never, { prefix: QUEUES_PATH });
}

export default fp(healthRoutes, { name: 'aiguillage-health', dependencies: ['aiguillage-auth'] });
