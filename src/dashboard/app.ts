import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AigError } from '../shared/errors';
import { readiness } from '../shared/metrics';
import { imapProbes, redisProbe, registerProbe } from '../shared/readiness';
import auth from './auth';
import type { DashboardDeps } from './deps';
import { sendError } from './layout';
import health, { QUEUES_PATH } from './routes/health';
import item from './routes/item';
import list from './routes/list';
import review from './routes/review';
import rules from './routes/rules';
import stats from './routes/stats';
import { CSS, JS } from './static';

/**
 * The dashboard app, built apart from `listen` so tests drive it with `app.inject()`.
 * Every response carries a strict CSP: scripts and styles from our origin only, no images from
 * anywhere else, no plugins, no framing by other sites.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
// bull-board's React UI sets style attributes in its markup; its scripts still come from 'self'.
const QUEUES_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const STATUS_OF: Record<string, number> = {
  AIG_ERR_UNAUTHENTICATED: 401,
  AIG_ERR_FORBIDDEN: 403,
  AIG_ERR_CSRF: 403,
  AIG_ERR_NOT_FOUND: 404,
  AIG_ERR_VALIDATION: 400,
  AIG_ERR_RATE_LIMIT: 429,
  AIG_ERR_IMAP: 502,
  AIG_ERR_REGISTER: 503,
};
/** What a person is told when the register file is gone or replaced (the log has the details). */
const REGISTER_GONE = "Le registre n'est plus accessible (fichier supprimé ou remplacé) : rien n'a été enregistré. Prévenez l'administrateur.";

export async function buildApp(deps: DashboardDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ stage: 'dashboard' }) as unknown as FastifyBaseLogger,
    trustProxy: deps.config.dashboard.trustProxy,
    // No per-request lines: URLs carry search terms (a name, a NIR typed in the search box).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('content-security-policy', req.url.startsWith(QUEUES_PATH) ? QUEUES_CSP : CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!req.url.startsWith('/static/')) reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((err: FastifyError | AigError, req, reply) => {
    const code = (err as { code?: string }).code ?? '';
    let status = STATUS_OF[code] ?? (err as FastifyError).statusCode ?? 500;
    if (status < 400) status = 500;
    const aig = code.startsWith('AIG_ERR_') ? code : status === 400 ? 'AIG_ERR_BAD_REQUEST' : status === 413 ? 'AIG_ERR_TOO_LARGE' : 'AIG_ERR_INTERNAL';
    if (status >= 500) req.log.error({ err: err.message, code: aig, url: req.routeOptions.url }, 'dashboard error');
    const shown = aig === 'AIG_ERR_REGISTER' ? REGISTER_GONE : status >= 500 ? 'Erreur interne : elle a été journalisée.' : err.message;
    return sendError(req, reply, status, aig, shown);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, 'AIG_ERR_NOT_FOUND', 'Page introuvable.'));

  // A change (any POST) goes to the register: refused while its file is not the one opened, which
  // SQLite would otherwise write into unseen (Register.assertFileInPlace).
  app.addHook('preHandler', async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') deps.register.assertFileInPlace();
  });
  await app.register(auth, deps);
  app.get('/static/app.css', { config: { access: 'public' } }, async (_req, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=3600').send(CSS));
  app.get('/static/app.js', { config: { access: 'public' } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(JS));
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ ok: true }));
  // Readiness, public like /healthz (names and errors only): Redis, every IMAP server, the register.
  app.get('/readyz', { config: { access: 'public' } }, async (_req, reply) => {
    const r = await readiness([redisProbe(deps.redis), ...imapProbes(deps.config.mailboxes), registerProbe(deps.register)]);
    return reply.code(r.httpStatus).send(r.body);
  });
  // Prometheus scrape (counts only, no personal data): public like /healthz; restrict by network.
  app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
  await app.register(list, deps);
  await app.register(item, deps);
  await app.register(review, deps);
  await app.register(stats, deps);
  await app.register(rules, deps);
  await app.register(health, deps);
  return app;
}

export { AigError };
