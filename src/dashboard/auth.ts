import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AigError } from '../shared/errors';
import { ADMIN, type Access, type DashboardDeps } from './deps';
import { html } from './html';
import { sendError, sendPage } from './layout';
import { sameToken, SessionStore } from './sessions';
import { ROLES, type Role } from './users';

export const SESSION_COOKIE = 'aig_session';
const LOGIN_COOKIE = 'aig_login';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authentication and authorisation, in one place:
 * - every route declares `config.access` (roles, or 'public'); a route that declares nothing is
 *   admin-only (default deny: bull-board's routes, or a route someone forgets to label);
 * - the guard runs as the route's first preHandler (after body parsing, so it can read the CSRF
 *   field): no session → login (401 for non-HTML), wrong role → 403, change without the session's
 *   CSRF token → 403;
 * - login: scrypt check, rate limit per IP + user name (429), login-CSRF double-submit cookie.
 */
function allowed(access: Access, role: Role): boolean {
  return access === 'public' || access.includes(role);
}

function wantsHtml(req: FastifyRequest): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
}

function csrfOf(req: FastifyRequest): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body && typeof body._csrf === 'string' ? body._csrf : undefined;
  const header = req.headers['x-csrf-token'];
  return field ?? (typeof header === 'string' ? header : undefined);
}

function guard(access: Access): preHandlerHookHandler {
  return async function aigGuard(req: FastifyRequest, reply: FastifyReply) {
    if (access === 'public') return;
    if (!req.user) {
      if (wantsHtml(req)) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return sendError(req, reply, 401, 'AIG_ERR_UNAUTHENTICATED', 'connexion requise');
    }
    // Answered here rather than thrown: plugins with their own error handler (bull-board) must not
    // turn a refusal into a 500.
    if (!allowed(access, req.user.role)) return sendError(req, reply, 403, 'AIG_ERR_FORBIDDEN', 'accès refusé pour votre rôle');
    if (!SAFE_METHODS.has(req.method) && !sameToken(csrfOf(req), req.user.csrf)) {
      return sendError(req, reply, 403, 'AIG_ERR_CSRF', 'jeton anti-CSRF absent ou invalide : rechargez la page');
    }
  };
}

function safeNext(next: unknown): string {
  // Only a local path: "//evil.example" or "https://…" would make the login an open redirect.
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}

async function authPlugin(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const cfg = deps.config.dashboard;
  const sessions = new SessionStore(deps.register.db, cfg.sessionTtlHours * 3600_000);
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: cfg.secureCookies };

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 2 * 1024 * 1024 });
  await app.register(fastifyRateLimit, { global: false });

  app.decorateRequest('user', null);
  app.addHook('onRoute', (route) => {
    const access: Access = route.config?.access ?? ADMIN;
    const existing = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [guard(access), ...existing];
  });
  app.addHook('onRequest', async (req) => {
    const s = sessions.get(req.cookies[SESSION_COOKIE]);
    req.user = s ? { name: s.username, role: s.role, csrf: s.csrf } : null;
  });

  app.get('/login', { config: { access: 'public' } }, async (req, reply) => {
    const token = randomBytes(24).toString('base64url');
    reply.setCookie(LOGIN_COOKIE, token, { ...cookieOpts, path: '/login', maxAge: 3600 });
    return loginPage(req, reply, token, safeNext((req.query as Record<string, unknown>).next), null, 200);
  });

  app.post(
    '/login',
    {
      config: {
        access: 'public',
        rateLimit: {
          max: cfg.loginMaxAttempts,
          timeWindow: cfg.loginWindowMs,
          hook: 'preHandler',
          keyGenerator: (req: FastifyRequest) => `${req.ip}|${String((req.body as Record<string, unknown> | undefined)?.username ?? '').toLowerCase()}`,
          errorResponseBuilder: (_req, ctx) => new AigError('AIG_ERR_RATE_LIMIT', `trop de tentatives de connexion : réessayez dans ${Math.ceil(ctx.ttl / 1000)} s`),
        },
      },
    },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      if (!sameToken(typeof body._csrf === 'string' ? body._csrf : undefined, req.cookies[LOGIN_COOKIE])) {
        throw new AigError('AIG_ERR_CSRF', 'formulaire de connexion expiré : rechargez la page');
      }
      const name = typeof body.username === 'string' ? body.username.trim() : '';
      const password = typeof body.password === 'string' ? body.password : '';
      const user = name && password ? await deps.users.authenticate(name, password) : null;
      if (!user || !(ROLES as readonly string[]).includes(user.role)) {
        req.log.warn({ event: 'login-failed' }, 'dashboard login failed');
        return loginPage(req, reply, String(body._csrf), next, 'Identifiant ou mot de passe incorrect.', 401);
      }
      const { id } = sessions.create(user.name, user.role);
      reply.setCookie(SESSION_COOKIE, id, { ...cookieOpts, maxAge: cfg.sessionTtlHours * 3600 });
      reply.clearCookie(LOGIN_COOKIE, { path: '/login' });
      req.log.info({ event: 'login', role: user.role }, 'dashboard login');
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { config: { access: ['secretariat', 'supervisor', 'admin'] } }, async (req, reply) => {
    sessions.destroy(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/login', 303);
  });
}

function loginPage(req: FastifyRequest, reply: FastifyReply, token: string, next: string, error: string | null, status: number) {
  return sendPage(
    req,
    reply,
    'Connexion',
    html`<form class="login card" method="post" action="/login">
      ${error ? html`<p class="bad" role="alert">${error}</p>` : ''}
      <input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
      <label for="username">Identifiant</label><input id="username" name="username" type="text" autocomplete="username" required autofocus>
      <label for="password">Mot de passe</label><input id="password" name="password" type="password" autocomplete="current-password" required>
      <p><button type="submit">Se connecter</button></p></form>`,
    status,
  );
}

export default fp(authPlugin, { name: 'aiguillage-auth', fastify: '5.x' });
