/**
 * The administrator's rules page beyond validation: test a candidate on one message (pasted .eml or a
 * register item) and backtest it on the register's corrected items, then save and roll back.
 */
import { reassign } from '../../../src/register/changes';
import { add } from '../register/register-builders';
import { dashboardHarness, login, type Harness } from './harness';

let h: Harness;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  h = await dashboardHarness();
  admin = await login(h.app, 'admin');
});
afterAll(async () => h.close());

const CANDIDATE = `version: 1
rules:
  - name: PHARE_VERS_PCN
    description: Le mot « phare » désigne le point de contact (règle d'essai)
    group: pcn
    when:
      text:
        keywords: [phare]
    effect: { force: pcn, confidence: 0.99 }
`;

function post(form: Record<string, string>) {
  return h.app.inject({
    method: 'POST',
    url: '/admin/rules',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams({ _csrf: admin.csrf, text: CANDIDATE, ...form }).toString(),
  });
}

test('test on a pasted message shows the candidate decision and its explanation', async () => {
  const eml = 'From: a@example.org\nTo: contact@cleiss.fr\nSubject: Question phare\nDate: Mon, 2 Mar 2026 10:00:00 +0100\n\nUne question phare sur les soins.\n';
  const res = await post({ action: 'test', eml });
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain('id="test-result"');
  expect(res.body).toContain('PHARE_VERS_PCN');
});

test('backtest on corrected items says how many decisions the candidate would change', async () => {
  // A text with nothing of the PCN's vocabulary: the rules in force cannot send it there, the
  // candidate's forcing rule does.
  const item = add(h.deps.register, { subject: 'Le phare du port', body: 'Une question sur le phare du vieux port, rien de plus.', destination: 'prestations', status: 'routed' });
  reassign(h.deps.register, item.id, 'pcn', 'marc', 'relève du point de contact');
  const res = await post({ action: 'backtest' });
  expect(res.statusCode).toBe(200);
  expect(res.body).toMatch(/Changerait 1 élément/);
  expect(res.body).toContain(item.registerNo);
});

test('save keeps a version with a diff; a broken file is refused with the rule name', async () => {
  const saved = await post({ action: 'save', comment: 'essai' });
  expect(saved.statusCode).toBe(303);
  const page = await h.app.inject({ method: 'GET', url: '/admin/rules', headers: { cookie: admin.cookie } });
  expect(page.body).toMatch(/id="rule-versions"[\s\S]*essai/);
  const bad = await h.app.inject({
    method: 'POST',
    url: '/admin/rules',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: admin.csrf, action: 'validate', text: CANDIDATE.replace('keywords: [phare]', "regex: ['(a+)+$']") }).toString(),
  });
  expect(bad.statusCode).toBe(422);
  expect(bad.body).toContain('PHARE_VERS_PCN');
});
