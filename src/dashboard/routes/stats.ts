import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SUPERVISOR, type DashboardDeps } from '../deps';
import { html, pct } from '../html';
import { sendPage } from '../layout';
import { computeStats } from '../stats';
import { barChart, columnChart, heatmap } from '../svg';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

async function statsRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  app.get('/stats', { config: { access: SUPERVISOR } }, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const today = PARIS_DAY.format(new Date());
    const to = q.to && DAY.test(q.to) ? q.to : today;
    const from = q.from && DAY.test(q.from) && q.from <= to ? q.from : PARIS_DAY.format(new Date(Date.parse(`${to}T12:00:00Z`) - 29 * 86400000));
    const s = computeStats(deps.register.db, from, to, deps.organisation.units.map((u) => u.id));
    const body = html`<form class="filters" method="get" action="/stats">
        <label>du <input type="date" name="from" value="${from}"></label> <label>au <input type="date" name="to" value="${to}"></label> <button type="submit">Afficher</button></form>
      <div class="grid">
        <section class="card"><h2>Indicateurs</h2><dl id="indicators">
          <dt>Messages reçus</dt><dd>${s.total}</dd>
          <dt>Taux de vérification</dt><dd>${pct(s.reviewRate)} (${s.reviewed} / ${s.decided})</dd>
          <dt>Taux d'erreur d'aiguillage</dt><dd>${pct(s.misrouteRate)} (${s.misrouted} corrigés / ${s.routed} routés automatiquement)</dd>
          <dt>Corrections et confirmations</dt><dd>${s.corrections}</dd></dl></section>
        <section class="card">${barChart(s.perDestination, { title: 'Volume par destination' })}</section>
      </div>
      <section class="card">${columnChart(s.perDay, { title: 'Volume par jour' })}</section>
      <section class="card">${s.confusion.labels.length ? heatmap(s.confusion.labels, s.confusion.matrix, 'Confusion entre destinations') : html`<p class="muted">Pas de décision sur la période.</p>`}</section>`;
    return sendPage(req, reply, `Statistiques du ${from} au ${to}`, body);
  });
}

export default fp(statsRoutes, { name: 'aiguillage-stats', dependencies: ['aiguillage-auth'] });
