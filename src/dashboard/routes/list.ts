import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SECRETARIAT, type DashboardDeps } from '../deps';
import { frDateTime, html, STATUS_FR } from '../html';
import { flashOf, sendPage } from '../layout';
import { listQueryFrom, listRows, maxItemId, type ListRow } from '../queries';

/** The secretariat's live register: newest first, filters, full-text search, SSE updates. */
function rowView(r: ListRow) {
  return {
    registerNo: r.registerNo,
    received: frDateTime(r.receivedAt),
    destination: r.destination,
    status: r.status,
    statusLabel: STATUS_FR[r.status] ?? r.status,
    sender: r.sender,
    subject: r.subject,
    language: r.language,
    confidence: r.confidence === null ? '—' : r.confidence.toFixed(2),
  };
}

async function listRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const units = deps.organisation.units.map((u) => u.id);

  app.get('/', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const lq = listQueryFrom(query, units);
    const rows = listRows(deps.register.db, lq);
    const params = new URLSearchParams();
    if (lq.q) params.set('q', lq.q);
    for (const [k, v] of Object.entries(lq.filters)) if (v) params.set(k, String(v));
    params.set('after', String(maxItemId(deps.register.db)));
    const opt = (v: string, label: string, cur: string | undefined) => html`<option value="${v}" ${v === (cur ?? '') ? 'selected' : ''}>${label}</option>`;
    const body = html`
      <form class="filters" method="get" action="/">
        <input type="search" name="q" value="${lq.q}" placeholder="Recherche plein texte (n°, objet, expéditeur, NIR, texte…)" size="42" aria-label="Recherche">
        <select name="destination" aria-label="Destination">${opt('', 'Toutes destinations', lq.filters.destination)}${units.map((u) => opt(u, u, lq.filters.destination))}</select>
        <select name="status" aria-label="Statut">${opt('', 'Tous statuts', lq.filters.status)}${Object.entries(STATUS_FR).map(([k, v]) => opt(k, v, lq.filters.status))}</select>
        <label>du <input type="date" name="from" value="${lq.filters.from ?? ''}"></label>
        <label>au <input type="date" name="to" value="${lq.filters.to ?? ''}"></label>
        <button type="submit">Filtrer</button> <a href="/">Effacer</a>
        <span id="live-state" class="live">connexion…</span>
      </form>
      <table id="live-list" data-query="${params.toString()}">
        <thead><tr><th>N° registre</th><th>Reçu</th><th>Destination</th><th>Statut</th><th>Expéditeur</th><th>Objet</th><th>Langue</th><th>Confiance</th></tr></thead>
        <tbody>${
          rows.length === 0
            ? html`<tr id="empty-row"><td colspan="8" class="muted">Aucun élément.</td></tr>`
            : rows.map((r) => {
                const v = rowView(r);
                return html`<tr id="row-${v.registerNo}"><td><a href="/items/${encodeURIComponent(v.registerNo)}">${v.registerNo}</a></td><td>${v.received}</td>
                  <td>${v.destination}</td><td><span class="badge s-${v.status}">${v.statusLabel}</span></td><td>${v.sender}</td><td>${v.subject}</td>
                  <td>${v.language}</td><td>${v.confidence}</td></tr>`;
              })
        }</tbody>
      </table>`;
    return sendPage(req, reply, 'Registre du courrier', body, 200, flashOf(req));
  });

  // Server-sent events: the server polls the register for rows after the last one sent (SQLite
  // reads are cheap; a notification channel would need Redis pub/sub from every triage process).
  app.get('/events', { config: { access: SECRETARIAT } }, (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const lq = listQueryFrom(query, units);
    let last = Number.isSafeInteger(Number(query.after)) ? Number(query.after) : maxItemId(deps.register.db);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    reply.raw.write('retry: 2000\n\n');
    const tick = () => {
      try {
        const rows = listRows(deps.register.db, lq, { afterId: last, limit: 100 }).reverse();
        for (const r of rows) {
          last = Math.max(last, r.id);
          reply.raw.write(`event: item\ndata: ${JSON.stringify(rowView(r))}\n\n`);
        }
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, 'live list poll failed');
      }
    };
    const timer = setInterval(tick, deps.config.dashboard.livePollMs);
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15000);
    req.raw.on('close', () => {
      clearInterval(timer);
      clearInterval(ping);
    });
  });
}

export default fp(listRoutes, { name: 'aiguillage-list', dependencies: ['aiguillage-auth'] });
