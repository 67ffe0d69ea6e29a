/** A dashboard app on this run's Redis (fresh prefix), a temp register and a temp users file. */
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../src/config/load';
import type { Config } from '../../../src/config/schema';
import { buildApp } from '../../../src/dashboard/app';
import type { DashboardDeps } from '../../../src/dashboard/deps';
import { createDashboardDeps } from '../../../src/dashboard/start';
import { UserStore, type Role } from '../../../src/dashboard/users';
import { silentLogger } from '../../../src/shared/logger';
import { cleanupRedisPrefix, tempFile, testQueuePrefix, testRedisUrl } from '../../helpers/services';

export const PASSWORDS: Record<Role, string> = { secretariat: 'secret-secretariat-1', supervisor: 'secret-supervisor-1', admin: 'secret-admin-0001' };
export const USER_OF: Record<Role, string> = { secretariat: 'sophie', supervisor: 'marc', admin: 'alice' };

export interface Harness {
  app: FastifyInstance;
  deps: DashboardDeps;
  config: Readonly<Config>;
  close(): Promise<void>;
}

export async function dashboardHarness(overrides: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<Harness> {
  const prefix = testQueuePrefix();
  const usersPath = tempFile('users.yaml');
  const users = new UserStore(usersPath);
  for (const role of Object.keys(USER_OF) as Role[]) await users.upsert(USER_OF[role], role, PASSWORDS[role]);
  const config = loadConfig({
    env: {
      REDIS_URL: testRedisUrl(),
      AIG_REDIS_PREFIX: prefix,
      REGISTER_PATH: tempFile('register.sqlite'),
      LOG_LEVEL: 'silent',
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: '9',
      IMAP_PASSWORD: 'x',
      ...env,
    },
    overrides: { classify: { localRulesPath: tempFile('rules.local.yaml') }, dashboard: { modelVersionsDir: tempFile('versions') }, ...overrides },
  });
  const { deps, close } = createDashboardDeps(config, silentLogger(), { usersPath });
  const app = await buildApp(deps);
  return {
    app,
    deps,
    config,
    async close() {
      await app.close();
      await close();
      await cleanupRedisPrefix(testRedisUrl(), prefix);
    },
  };
}

/** Log in through the real form; returns the session cookie and the page's CSRF token. */
export async function login(app: FastifyInstance, role: Role): Promise<{ cookie: string; csrf: string }> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const loginCookie = String(form.cookies.find((c) => c.name === 'aig_login')?.value);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const res = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: `aig_login=${loginCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ username: USER_OF[role], password: PASSWORDS[role], _csrf: token, next: '/' }).toString(),
  });
  if (res.statusCode !== 303) throw new Error(`login ${role}: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const cookie = `aig_session=${res.cookies.find((c) => c.name === 'aig_session')!.value}`;
  const page = await app.inject({ method: 'GET', url: '/', headers: { cookie, accept: 'text/html' } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  return { cookie, csrf };
}
