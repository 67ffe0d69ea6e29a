/**
 * The register file deleted under a running dashboard: SQLite would go on writing into the unlinked
 * file, so a reassignment would be "saved" where nobody reads it. Every change is refused instead
 * (503, said in French), reads still answer, and /readyz says why. Real SQLite file, real Redis.
 */
import fs from 'node:fs';
import { add } from '../register/register-builders';
import { dashboardHarness, login, type Harness } from './harness';

let h: Harness;
afterAll(async () => h.close());

test('with the register file gone, a reassignment is refused with 503 and nothing is changed', async () => {
  h = await dashboardHarness();
  const item = add(h.deps.register, { subject: 'Demande de formulaire A1', destination: 'legislation', status: 'to-review' });
  const sup = await login(h.app, 'supervisor');
  const reassign = () =>
    h.app.inject({
      method: 'POST',
      url: `/items/${item.registerNo}/reassign`,
      headers: { cookie: sup.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({ to: 'pcn', reason: 'test', _csrf: sup.csrf }).toString(),
    });

  const file = h.config.register.path;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const refused = await reassign();
  expect(refused.statusCode).toBe(503);
  expect(refused.body).toContain('plus accessible (fichier supprimé ou remplacé) : rien n');
  expect(refused.body).not.toContain(file);
  expect(h.deps.register.getByNumber(item.registerNo)!.destination).toBe('legislation');
  // Reading still answers (from the file the process holds open); readiness says what is wrong.
  expect((await h.app.inject({ method: 'GET', url: '/', headers: { cookie: sup.cookie } })).statusCode).toBe(200);
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
  const register = (JSON.parse(ready.body) as { checks: { name: string; ok: boolean; error?: string }[] }).checks.find((c) => c.name === 'register');
  expect(register).toMatchObject({ ok: false, error: expect.stringMatching(/is gone \(ENOENT\)/) });
});
