import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html';
import type { Role } from './users';

/** Pages shown in the menu, with the roles that may open them (the server checks again on each route). */
const NAV: { href: string; label: string; roles: readonly Role[] }[] = [
  { href: '/', label: 'Registre', roles: ['secretariat', 'supervisor', 'admin'] },
  { href: '/review', label: 'À vérifier', roles: ['supervisor', 'admin'] },
  { href: '/stats', label: 'Statistiques', roles: ['supervisor', 'admin'] },
  { href: '/models', label: 'Modèles', roles: ['supervisor', 'admin'] },
  { href: '/admin/rules', label: 'Règles', roles: ['admin'] },
  { href: '/admin/health', label: 'Santé', roles: ['admin'] },
  { href: '/admin/queues', label: 'Files', roles: ['admin'] },
];

export const ROLE_FR: Record<Role, string> = { secretariat: 'secrétariat', supervisor: 'superviseur', admin: 'administrateur' };

export function csrfField(req: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${req.user?.csrf ?? ''}">`;
}

export function page(req: FastifyRequest, title: string, body: SafeHtml, flash?: { text: string; error?: boolean } | null): string {
  const u = req.user;
  const nav = u ? NAV.filter((n) => n.roles.includes(u.role)).map((n) => html`<a href="${n.href}">${n.label}</a>`) : [];
  const who = u
    ? html`<span class="who">${u.name} (${ROLE_FR[u.role]})
        <form method="post" action="/logout">${csrfField(req)}<button class="secondary" type="submit">Se déconnecter</button></form></span>`
    : '';
  return html`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Aiguillage</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header><a class="brand" href="/">Aiguillage</a>${nav}${who}</header>
<main>${flash ? html`<div class="flash${flash.error ? ' error' : ''}" role="status">${flash.text}</div>` : ''}<h1>${title}</h1>${body}</main>
<script src="/static/app.js"></script></body></html>`.value;
}

export function sendPage(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200, flash?: { text: string; error?: boolean } | null) {
  return reply.code(status).type('text/html; charset=utf-8').send(page(req, title, body, flash));
}

/** A one-line message after a POST-redirect-GET, carried in the query string (?ok=… / ?err=…). */
export function flashOf(req: FastifyRequest): { text: string; error?: boolean } | null {
  const q = req.query as Record<string, string | undefined>;
  if (q.ok) return { text: q.ok.slice(0, 300) };
  if (q.err) return { text: q.err.slice(0, 300), error: true };
  return null;
}

export function redirectWith(reply: FastifyReply, url: string, msg: { ok?: string; err?: string }) {
  const sep = url.includes('?') ? '&' : '?';
  const q = msg.err ? `err=${encodeURIComponent(msg.err)}` : `ok=${encodeURIComponent(msg.ok ?? '')}`;
  return reply.redirect(`${url}${sep}${q}`, 303);
}

/** An error answer: an HTML page for browsers, JSON otherwise; the stable code in X-Aig-Error. */
export function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  reply.header('x-aig-error', code);
  if ((req.headers.accept ?? '').includes('text/html')) {
    const title = status === 404 ? 'Introuvable' : status === 403 ? 'Accès refusé' : 'Erreur';
    return sendPage(req, reply, title, html`<p>${message}</p><p class="muted">${code}</p>`, status);
  }
  return reply.code(status).send({ code, message });
}
