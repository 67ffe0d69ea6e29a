import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ItemStatus } from '../../register/types';
import { AigError } from '../../shared/errors';
import { maskNirsInText } from '../../shared/privacy';
import { ADMIN, SUPERVISOR, type DashboardDeps } from '../deps';
import { frDateTime, html, pct } from '../html';
import { csrfField, flashOf, redirectWith, sendPage } from '../layout';
import { activateModel, modelVersions, scheduleRetrain } from '../retrain';

/** Supervisors: items to review, low-margin automatic decisions, and the retrained models. */
interface ReviewRow {
  registerNo: string;
  receivedAt: string;
  destination: string;
  status: ItemStatus;
  subject: string;
  first: string;
  firstScore: number;
  second: string;
  secondScore: number;
}

function reviewRows(deps: DashboardDeps, lowMargin: boolean): ReviewRow[] {
  const where = lowMargin
    ? `status = 'auto-routed' AND decision_json IS NOT NULL
       AND json_extract(decision_json, '$.suggestions[0].score') - coalesce(json_extract(decision_json, '$.suggestions[1].score'), 0) < ?
       AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.item_id = items.id)`
    : `status = 'to-review' AND 0 * ? = 0`;
  const rows = deps.register.db
    .prepare(
      `SELECT register_no, received_at, destination, status, subject,
        json_extract(decision_json, '$.suggestions[0].destination') AS d1, json_extract(decision_json, '$.suggestions[0].score') AS s1,
        json_extract(decision_json, '$.suggestions[1].destination') AS d2, json_extract(decision_json, '$.suggestions[1].score') AS s2
       FROM items WHERE ${where} ORDER BY id DESC LIMIT 200`,
    )
    .all(deps.config.classify.reviewMargin) as Record<string, unknown>[];
  return rows.map((r) => ({
    registerNo: r.register_no as string,
    receivedAt: r.received_at as string,
    destination: r.destination as string,
    status: r.status as ItemStatus,
    subject: maskNirsInText((r.subject as string | null) ?? ''),
    first: (r.d1 as string | null) ?? '—',
    firstScore: (r.s1 as number | null) ?? 0,
    second: (r.d2 as string | null) ?? '—',
    secondScore: (r.s2 as number | null) ?? 0,
  }));
}

function reviewTable(req: FastifyRequest, rows: ReviewRow[], id: string) {
  if (rows.length === 0) return html`<p class="muted" id="${id}">Rien à vérifier.</p>`;
  return html`<table id="${id}"><thead><tr><th>N°</th><th>Reçu</th><th>Objet</th><th>Proposition</th><th>Deuxième</th><th></th></tr></thead><tbody>${rows.map(
    (r) => html`<tr><td><a href="/items/${encodeURIComponent(r.registerNo)}">${r.registerNo}</a></td><td>${frDateTime(r.receivedAt)}</td><td>${r.subject}</td>
      <td>${r.first} (${r.firstScore.toFixed(2)})</td><td>${r.second} (${r.secondScore.toFixed(2)})</td>
      <td><form method="post" action="/items/${encodeURIComponent(r.registerNo)}/confirm" class="inline">${csrfField(req)}<input type="hidden" name="back" value="/review">
        <button type="submit">Confirmer ${r.status === 'to-review' ? r.first : r.destination}</button></form>
        <a href="/items/${encodeURIComponent(r.registerNo)}">réaffecter…</a></td></tr>`,
  )}</tbody></table>`;
}

async function reviewRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  app.get('/review', { config: { access: SUPERVISOR } }, async (req, reply) => {
    const body = html`<h2>À vérifier</h2>${reviewTable(req, reviewRows(deps, false), 'to-review')}
      <h2>Routés automatiquement avec une faible marge (&lt; ${deps.config.classify.reviewMargin})</h2>${reviewTable(req, reviewRows(deps, true), 'low-margin')}`;
    return sendPage(req, reply, 'File de vérification', body, 200, flashOf(req));
  });

  app.get('/models', { config: { access: SUPERVISOR } }, async (req, reply) => {
    const versions = modelVersions(deps.register);
    const counts = await deps.retrainQueue.getJobCounts('waiting', 'delayed', 'active', 'failed');
    const body = html`<p>Modèle en service : <code>${deps.paths.modelPath}</code>. Réentraînements en attente : ${(counts.waiting ?? 0) + (counts.delayed ?? 0)},
      en cours : ${counts.active ?? 0}, échoués : ${counts.failed ?? 0}.</p>
      <form method="post" action="/models/retrain">${csrfField(req)}<button type="submit">Réentraîner maintenant</button></form>
      <h2>Versions</h2>
      <table id="model-versions"><thead><tr><th>#</th><th>Date</th><th>Par</th><th>Corpus</th><th>Éléments corrigés : avant → après</th><th>Changements</th><th></th></tr></thead>
      <tbody>${versions.map(
        (v) => html`<tr><td>${v.id}</td><td>${frDateTime(v.at)}</td><td>${v.actor}</td><td>${v.report.trainingFiles} fichiers + ${v.report.correctedItems} corrigés</td>
          <td>${pct(v.report.before.accuracy)} → ${pct(v.report.after.accuracy)} (${v.report.before.correct} → ${v.report.after.correct} / ${v.report.after.total})</td>
          <td>${v.report.changed.slice(0, 8).map((c) => html`<div>${c.registerNo} : ${c.before} → ${c.after} (corrigé : ${c.label})</div>`)}</td>
          <td>${req.user?.role === 'admin' ? html`<form method="post" action="/models/${v.id}/activate">${csrfField(req)}<button class="secondary" type="submit">Mettre en service</button></form>` : ''}<code>${v.path}</code></td></tr>`,
      )}</tbody></table>
      <p class="muted">Le backtest porte sur les éléments corrigés du registre, qui font aussi partie de l'entraînement du nouveau modèle : il mesure la prise en compte des corrections, pas la généralisation.</p>`;
    return sendPage(req, reply, 'Modèles et réentraînement', body, 200, flashOf(req));
  });

  app.post('/models/retrain', { config: { access: SUPERVISOR } }, async (req, reply) => {
    await scheduleRetrain(deps, req.user!.name, 0);
    return redirectWith(reply, '/models', { ok: 'Réentraînement demandé.' });
  });

  app.post('/models/:id/activate', { config: { access: ADMIN } }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id)) throw new AigError('AIG_ERR_NOT_FOUND', 'version inconnue');
    const v = activateModel(deps.register, id, deps.paths.modelPath, req.user!.name);
    return redirectWith(reply, '/models', { ok: `Version ${v.id} mise en service : redémarrez les processus de tri pour la charger.` });
  });
}

export default fp(reviewRoutes, { name: 'aiguillage-review', dependencies: ['aiguillage-auth'] });
