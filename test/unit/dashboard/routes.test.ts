/**
 * Every route × role through app.inject(): the server checks each right itself (not the menu),
 * CSRF on every change, login rate limit. Real Redis (queues), real SQLite register.
 */
import Database from 'better-sqlite3';
import type { Role } from '../../../src/dashboard/users';
import { add } from '../register/register-builders';
import { dashboardHarness, login, PASSWORDS, USER_OF, type Harness } from './harness';

type Who = Role | 'anonymous';
const ALL: Who[] = ['anonymous', 'secretariat', 'supervisor', 'admin'];
const SEC: Role[] = ['secretariat', 'supervisor', 'admin'];
const SUP: Role[] = ['supervisor', 'admin'];
const ADM: Role[] = ['admin'];

let h: Harness;
const sessions = {} as Record<Role, { cookie: string; csrf: string }>;
let no = '';

beforeAll(async () => {
  h = await dashboardHarness();
  const item = add(h.deps.register, { subject: 'Demande de formulaire A1', destination: 'legislation', status: 'to-review' });
  no = item.registerNo;
  for (const r of SEC) sessions[r] = await login(h.app, r);
});
afterAll(async () => h.close());

interface Case {
  method: 'GET' | 'POST';
  url: () => string;
  form?: Record<string, string>;
  roles: Role[];
}

const CASES: Case[] = [
  { method: 'GET', url: () => '/', roles: SEC },
  { method: 'GET', url: () => `/items/${no}`, roles: SEC },
  { method: 'GET', url: () => `/items/${no}/attachments/0`, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/copies`, form: { unit: 'dpo' }, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/copies/remove`, form: { unit: 'dpo' }, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/reassign`, form: { to: 'pcn', reason: 'test' }, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/return`, form: { reason: 'pas pour nous' }, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/handled`, roles: SEC },
  { method: 'POST', url: () => `/items/${no}/confirm`, roles: SUP },
  { method: 'GET', url: () => '/review', roles: SUP },
  { method: 'GET', url: () => '/stats', roles: SUP },
  { method: 'GET', url: () => '/models', roles: SUP },
  { method: 'POST', url: () => '/models/retrain', roles: SUP },
  { method: 'POST', url: () => '/models/999/activate', roles: ADM },
  { method: 'GET', url: () => '/admin/rules', roles: ADM },
  { method: 'POST', url: () => '/admin/rules', form: { text: 'version: 1\nrules: []\n', action: 'validate' }, roles: ADM },
  { method: 'GET', url: () => '/admin/rules/versions/1', roles: ADM },
  { method: 'POST', url: () => '/admin/rules/versions/999/rollback', roles: ADM },
  { method: 'GET', url: () => '/admin/health', roles: ADM },
  { method: 'POST', url: () => '/admin/dead/nope/retry', roles: ADM },
  { method: 'GET', url: () => '/admin/queues', roles: ADM },
  { method: 'GET', url: () => '/admin/queues/api/queues', roles: ADM },
];

const table = CASES.flatMap((c) => ALL.map((who) => [`${c.method} ${c.url.toString().slice(6, 40)}`, who, c] as const));

describe('route × role', () => {
  it.each(table)('%s as %s', async (_name, who, c) => {
    const s = who === 'anonymous' ? null : sessions[who];
    const form = new URLSearchParams({ ...(c.form ?? {}), ...(s ? { _csrf: s.csrf } : {}) }).toString();
    const res = await h.app.inject({
      method: c.method,
      url: c.url(),
      headers: { ...(s ? { cookie: s.cookie } : {}), ...(c.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      payload: c.method === 'POST' ? form : undefined,
    });
    if (who === 'anonymous') expect(res.statusCode).toBe(401);
    else if (c.roles.includes(who)) expect([200, 303, 404, 422]).toContain(res.statusCode);
    else {
      expect(res.statusCode).toBe(403);
      expect(res.headers['x-aig-error']).toBe('AIG_ERR_FORBIDDEN');
    }
  });

  it('an anonymous browser is sent to the login page, then back', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/review', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Freview');
  });

  it('the live events stream needs a session', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/events' });
    expect(res.statusCode).toBe(401);
  });
});

describe('CSRF', () => {
  const post = (payload: string, cookie: string) =>
    h.app.inject({ method: 'POST', url: `/items/${no}/copies`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });

  it('refuses a change without the token (403) and with a wrong one (403), accepts the right one', async () => {
    const s = sessions.admin;
    const missing = await post('unit=dsi', s.cookie);
    expect(missing.statusCode).toBe(403);
    expect(missing.headers['x-aig-error']).toBe('AIG_ERR_CSRF');
    const wrong = await post(`unit=dsi&_csrf=${sessions.secretariat.csrf}`, s.cookie);
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['x-aig-error']).toBe('AIG_ERR_CSRF');
    const item = h.deps.register.getByNumber(no)!;
    expect(h.deps.register.history(item.id).some((x) => x.action === 'copy-added' && x.toValue === 'dsi')).toBe(false);
    const ok = await post(`unit=dsi&_csrf=${s.csrf}`, s.cookie);
    expect(ok.statusCode).toBe(303);
    expect(h.deps.register.history(item.id).some((x) => x.action === 'copy-added' && x.toValue === 'dsi' && x.actor === USER_OF.admin)).toBe(true);
  });

  it('accepts the token in the X-CSRF-Token header', async () => {
    const s = sessions.secretariat;
    const res = await h.app.inject({
      method: 'POST',
      url: `/items/${no}/copies`,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'unit=etudes',
    });
    expect(res.statusCode).toBe(303);
  });

  it('refuses a login form posted without its own token', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${USER_OF.admin}&password=${PASSWORDS.admin}`,
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('login', () => {
  async function attempt(username: string, password: string, ip: string) {
    const form = await h.app.inject({ method: 'GET', url: '/login', remoteAddress: ip });
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = `aig_login=${form.cookies.find((c) => c.name === 'aig_login')!.value}`;
    return h.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: ip,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username, password, _csrf: token }).toString(),
    });
  }

  it('sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const res = await attempt(USER_OF.supervisor, PASSWORDS.supervisor, '10.0.0.1');
    expect(res.statusCode).toBe(303);
    const c = res.cookies.find((x) => x.name === 'aig_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Strict');
  });

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    const a = await attempt(USER_OF.admin, 'wrong-password-x', '10.0.0.2');
    const b = await attempt('nobody', 'wrong-password-x', '10.0.0.3');
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.body.includes('Identifiant ou mot de passe incorrect')).toBe(true);
    expect(b.body.includes('Identifiant ou mot de passe incorrect')).toBe(true);
  });

  it('rate-limits attempts per IP and user name (429), without blocking other names', async () => {
    const max = h.config.dashboard.loginMaxAttempts;
    for (let i = 0; i < max; i++) expect((await attempt(USER_OF.secretariat, `bad-${i}-password`, '10.0.0.9')).statusCode).toBe(401);
    const blocked = await attempt(USER_OF.secretariat, PASSWORDS.secretariat, '10.0.0.9');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['x-aig-error']).toBe('AIG_ERR_RATE_LIMIT');
    expect((await attempt(USER_OF.supervisor, PASSWORDS.supervisor, '10.0.0.9')).statusCode).toBe(303);
  });
});

describe('pages', () => {
  it('serve a strict Content-Security-Policy and nosniff', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/', headers: { cookie: sessions.secretariat.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("img-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain(no);
  });
});

describe('metrics', () => {
  it('serves /metrics without a session and counts a reassignment as a correction', async () => {
    const item = add(h.deps.register, { subject: 'Question sur une pension', destination: 'legislation', status: 'routed' });
    const sup = sessions.supervisor;
    const before = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(before.statusCode).toBe(200);
    expect(before.body).not.toMatch(/aiguillage_corrections_total\{[^}]*from="legislation"[^}]*to="prestations"/);
    const res = await h.app.inject({
      method: 'POST',
      url: `/items/${item.registerNo}/reassign`,
      headers: { cookie: sup.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ to: 'prestations', reason: 'pension : prestations', _csrf: sup.csrf }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const after = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(after.body).toMatch(/aiguillage_corrections_total\{[^}]*from="legislation"[^}]*to="prestations"[^}]*\} 1/);
    // Counts only: no register number, subject or person in the exposition.
    expect(after.body).not.toContain(item.registerNo);
    expect(after.body).not.toContain('pension');
  });
});

describe('readiness', () => {
  it('serves /readyz without a session: Redis, every IMAP server and the register, 503 while one fails', async () => {
    // The harness's IMAP server is 127.0.0.1:9, where nothing answers.
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = JSON.parse(res.body) as { status: string; checks: { name: string; ok: boolean; error?: string }[] };
    expect(body.status).toBe('not-ready');
    expect(body.checks.map((c) => `${c.name}:${c.ok}`)).toEqual(['redis:true', 'imap:main:false', 'register:true']);
    expect(body.checks[1]!.error).toBe('127.0.0.1:9 does not answer');

    // Another process holding the register's write lock makes the register check fail.
    const other = new Database(h.config.register.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const locked = JSON.parse((await h.app.inject({ method: 'GET', url: '/readyz' })).body) as typeof body;
      expect(locked.checks.find((c) => c.name === 'register')).toMatchObject({ ok: false, error: expect.stringMatching(/register cannot be written/) });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
