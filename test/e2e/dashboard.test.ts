/**
 * End to end, in a real Chromium (playwright-core + Debian's /usr/bin/chromium), against the real
 * pipeline: a private Dovecot user, Redis, the poller and a triage worker, the SQLite register, and
 * the dashboard listening on a free port. Screenshots of the main pages are taken (kept in docs/ with
 * AIG_UPDATE_SCREENSHOTS=1).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { buildApp } from '../../src/dashboard/app';
import type { DashboardDeps } from '../../src/dashboard/deps';
import { createDashboardDeps } from '../../src/dashboard/start';
import { UserStore, type Role } from '../../src/dashboard/users';
import { silentLogger } from '../../src/shared/logger';
import { appendAll, inventory, pipelineEnv, sampleMessages, waitFor, type PipelineEnv } from '../helpers/pipeline';
import { cleanupRedisPrefix, tempFile, testRedisUrl } from '../helpers/services';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// The screenshots kept in docs/ are refreshed on demand (AIG_UPDATE_SCREENSHOTS=1 npm test), so
// that an ordinary test run does not rewrite tracked files; otherwise they go to a temp folder.
const DOCS = process.env.AIG_UPDATE_SCREENSHOTS === '1' ? path.join(__dirname, '..', '..', 'docs') : fs.mkdtempSync(path.join(os.tmpdir(), 'aig-shots-'));
const USERS: Record<Role, [string, string]> = { secretariat: ['sophie', 'mdp-secretariat-1'], supervisor: ['marc', 'mdp-superviseur-1'], admin: ['alice', 'mdp-administrateur'] };
const RUN = `${Date.now().toString(36)}`;

let env: PipelineEnv;
let triage: Running;
let poller: Running;
let deps: DashboardDeps;
let closeDeps: () => Promise<void>;
let app: FastifyInstance;
let base = '';
let browser: Browser;
let spy: http.Server;
let spyHits: string[] = [];
let spyUrl = '';

function eml(opts: { id: string; subject: string; from?: string; text?: string; html?: string }): Buffer {
  const head = [
    `From: ${opts.from ?? 'Jeanne Martin <jeanne.martin@orange.fr>'}`,
    'To: courrier@cleiss.fr',
    `Subject: ${opts.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${opts.id}@e2e.example>`,
    'MIME-Version: 1.0',
  ];
  if (!opts.html) return Buffer.from([...head, 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: 8bit', '', opts.text ?? '', ''].join('\r\n'));
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/alternative; boundary="b-e2e"',
      '',
      '--b-e2e',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      opts.text ?? 'Voir la version HTML.',
      '--b-e2e',
      'Content-Type: text/html; charset=UTF-8',
      '',
      opts.html,
      '--b-e2e--',
      '',
    ].join('\r\n'),
  );
}

async function registered(messageId: string): Promise<string> {
  let no = '';
  await waitFor(`register row for ${messageId} moved to its folder`, () => {
    const row = deps.register.db.prepare('SELECT register_no, id FROM items WHERE message_id = ?').get(messageId) as { register_no: string; id: number } | undefined;
    if (!row) return false;
    no = row.register_no;
    return deps.register.sourcesOf(row.id).some((s) => s.folder !== null);
  }, 60000, 200);
  return no;
}

async function loginAs(role: Role): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'fr-FR' });
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.fill('#username', USERS[role][0]);
  await page.fill('#password', USERS[role][1]);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]')]);
  return { ctx, page };
}

beforeAll(async () => {
  spy = http.createServer((req, res) => {
    spyHits.push(`${req.method} ${req.url}`);
    res.end('x');
  });
  await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
  spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;

  env = await pipelineEnv('e2e-dashboard', {
    classify: { localRulesPath: tempFile('rules.local.yaml') },
    dashboard: { modelVersionsDir: tempFile('versions'), livePollMs: 300 },
  });
  const log = silentLogger();
  triage = await startTriage(env.config, log);
  poller = startPoller(env.config, log);
  const usersPath = tempFile('users.yaml');
  const users = new UserStore(usersPath);
  for (const role of Object.keys(USERS) as Role[]) await users.upsert(USERS[role][0], role, USERS[role][1]);
  ({ deps, close: closeDeps } = createDashboardDeps(env.config, log, { usersPath }));
  app = await buildApp(deps);
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  // Some ordinary traffic so that the list, review and statistics pages have content.
  await appendAll(env.user, sampleMessages(14).map((s) => s.source));
  await waitFor('samples registered', () => deps.register.counts().moved >= 14, 90000, 250);
}, 180000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await poller?.stop();
  await triage?.stop();
  await closeDeps?.();
  await new Promise((r) => spy?.close(r));
  if (env) await cleanupRedisPrefix(testRedisUrl(), env.prefix);
});

describe('dashboard in Chromium', () => {
  jest.setTimeout(120000);

  it('each role logs in and is refused what it may not do', async () => {
    const sec = await loginAs('secretariat');
    const denied = await sec.page.goto(`${base}/review`);
    expect(denied!.status()).toBe(403);
    expect(await sec.page.textContent('h1')).toBe('Accès refusé');
    expect(await sec.page.locator('header a[href="/review"]').count()).toBe(0);
    await sec.ctx.close();

    const sup = await loginAs('supervisor');
    expect((await sup.page.goto(`${base}/review`))!.status()).toBe(200);
    expect((await sup.page.goto(`${base}/admin/rules`))!.status()).toBe(403);
    await sup.ctx.close();

    const adm = await loginAs('admin');
    expect((await adm.page.goto(`${base}/admin/rules`))!.status()).toBe(200);
    // Even an admin cannot change anything without the page's CSRF token.
    const no = (deps.register.list({ limit: 1 })[0]!).registerNo;
    const status = await adm.page.evaluate(async (url) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'note=x' })).status, `/items/${no}/handled`);
    expect(status).toBe(403);
    expect(deps.register.getByNumber(no)!.status).not.toBe('handled');
    await adm.ctx.close();
  });

  it('shows a message appended to Dovecot in the open list without reload, then reassigns it on the mailbox', async () => {
    const { ctx, page } = await loginAs('secretariat');
    await page.waitForSelector('#live-state.on');
    await page.evaluate(() => ((globalThis as unknown as { __sameDocument: number }).__sameDocument = 42));
    const id = `live-${RUN}`;
    const subject = `Détachement au Portugal ${RUN}`;
    await appendAll(env.user, [eml({ id, subject, text: "Bonjour,\nnotre société détache deux salariés au Portugal pour six mois : faut-il un formulaire A1 ?\nCordialement,\nPaul Girard, Girard BTP" })]);
    const row = page.locator('#live-list tbody tr', { hasText: subject });
    await row.waitFor({ timeout: 60000 });
    expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: number }).__sameDocument)).toBe(42);
    const no = await registered(`${id}@e2e.example`);
    await page.screenshot({ path: path.join(DOCS, 'list.png'), fullPage: false });

    await page.click(`#live-list a[href="/items/${no}"]`);
    await page.waitForURL(`${base}/items/${no}`);
    expect(await page.textContent('#message-text')).toContain('formulaire A1');
    await page.selectOption('form[action$="/reassign"] select[name=to]', 'dsi');
    await page.fill('form[action$="/reassign"] input[name=reason]', 'question informatique en réalité');
    await Promise.all([page.waitForURL(/ok=/), page.click('form[action$="/reassign"] button')]);
    expect(await page.textContent('#destination')).toBe('dsi');
    expect(await page.textContent('#history')).toContain('question informatique en réalité');
    await page.screenshot({ path: path.join(DOCS, 'item.png'), fullPage: true });

    const placed = (await inventory(env.user)).filter((p) => p.messageId === `${id}@e2e.example`);
    expect(placed).toHaveLength(1);
    expect(placed[0]!.folder).toBe(`Aiguillage${placed[0]!.delimiter}dsi`);
    expect(placed[0]!.keywords).toContain(no.replace(/[^A-Za-z0-9_$-]/g, '_'));
    const item = deps.register.getByNumber(no)!;
    expect(deps.register.sourcesOf(item.id)[0]!.folder).toBe(placed[0]!.folder);
    const corr = deps.register.db.prepare('SELECT * FROM corrections WHERE item_id = ?').all(item.id) as { to_destination: string; actor: string }[];
    expect(corr).toEqual([expect.objectContaining({ to_destination: 'dsi', actor: 'sophie' })]);
    await ctx.close();
  });

  it('renders hostile HTML without running or loading anything', async () => {
    const id = `hostile-${RUN}`;
    const s = spyUrl;
    const hostile = `<html><head><title>pwned</title><script>window.__pwned=1;document.title='pwned';fetch('${s}/script')</script>
<style>body{background:url(${s}/css-bg)} p{width:expression(alert(1))}</style><link rel="stylesheet" href="${s}/link.css"><base href="${s}/"></head>
<body onload="window.__pwned=5"><p>Texte visible HOSTILE-MARK</p>
<img src="${s}/remote.png" onerror="window.__pwned=2;document.title='pwned'">
<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+">
<a id="js" href="javascript:window.__pwned=3">cliquez ici</a> <a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">données</a>
<div style="width:expression(alert(1));background-image:url(${s}/style-bg)">css</div>
<iframe src="${s}/frame"></iframe><object data="${s}/object"></object><embed src="${s}/embed">
<svg onload="window.__pwned=4"><image href="${s}/svg-image"/></svg>
<video poster="${s}/poster" src="${s}/video"></video><form action="${s}/form"><input type="image" src="${s}/input.png"></form>
<table background="${s}/table-bg"><tr><td>cellule</td></tr></table></body></html>`;
    await appendAll(env.user, [eml({ id, subject: `Facture impayée ${RUN}`, from: 'Service <noreply@facture-exemple.com>', html: hostile })]);
    const no = await registered(`${id}@e2e.example`);
    const { ctx, page } = await loginAs('secretariat');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/items/${no}?view=html`);
    const frame = page.frameLocator('iframe.body');
    await frame.locator('body').getByText('Texte visible HOSTILE-MARK').waitFor();
    await page.waitForTimeout(1500);
    expect(await page.getAttribute('iframe.body', 'sandbox')).toBe('');
    expect(await page.title()).toBe(`${no} — Aiguillage`);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const frameHtml = await frame.locator('body').innerHTML();
    expect(frameHtml).not.toMatch(/<script|<img|<iframe|<object|<embed|<svg|<video|<form|onerror|onload|javascript:|data:|expression\(|style=|background/i);
    expect(frameHtml).toContain('cliquez ici');
    // Clicking what was a javascript: link does nothing either.
    await frame.getByText('cliquez ici').click();
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(spyHits).toEqual([]);
    // The plain-text view (default) is safe too.
    await page.goto(`${base}/items/${no}`);
    expect(await page.textContent('#message-text')).toContain('Voir la version HTML');
    expect(spyHits).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('supervisor review, statistics, admin rules and health pages render (screenshots)', async () => {
    const sup = await loginAs('supervisor');
    await sup.page.goto(`${base}/review`);
    expect(await sup.page.locator('h2').first().textContent()).toBe('À vérifier');
    await sup.page.screenshot({ path: path.join(DOCS, 'review.png'), fullPage: true });
    await sup.page.goto(`${base}/stats`);
    expect(await sup.page.locator('svg').count()).toBeGreaterThanOrEqual(3);
    expect(await sup.page.textContent('#indicators')).toContain('Messages reçus');
    await sup.page.screenshot({ path: path.join(DOCS, 'stats.png'), fullPage: true });
    await sup.ctx.close();

    const adm = await loginAs('admin');
    await adm.page.goto(`${base}/admin/rules`);
    expect(await adm.page.locator('#rules tbody tr').count()).toBeGreaterThan(5);
    await adm.page.fill('textarea[name=text]', 'version: 1\nrules:\n  - name: bad name\n');
    await Promise.all([adm.page.waitForLoadState(), adm.page.click('button[value=validate]')]);
    await adm.page.waitForSelector('#problems');
    await adm.page.screenshot({ path: path.join(DOCS, 'rules.png'), fullPage: false });
    await adm.page.goto(`${base}/admin/health`);
    expect(await adm.page.textContent('#queues')).toContain('triage');
    await adm.page.screenshot({ path: path.join(DOCS, 'health.png'), fullPage: false });
    const queues = await adm.page.goto(`${base}/admin/queues`);
    expect(queues!.status()).toBe(200);
    await adm.ctx.close();
  });
});
