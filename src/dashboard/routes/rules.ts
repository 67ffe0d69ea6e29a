import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createClassifier } from '../../classify/decide';
import { loadRules, type RuleSet } from '../../classify/rules/load';
import type { Decision } from '../../classify/types';
import { AigError, errorMessage } from '../../shared/errors';
import { maskNirsInText } from '../../shared/privacy';
import { analyseMessage } from '../../triage/analyse';
import { ADMIN, type DashboardDeps } from '../deps';
import { frDateTime, html, pct, type SafeHtml } from '../html';
import { csrfField, flashOf, redirectWith, sendPage } from '../layout';
import { backtestRules, decidedItems, lineDiff, ruleStats, ruleVersions, saveRulesVersion, validateCandidate, type ReplayOptions } from '../rules-admin';

/** Admins: rules in force with their statistics, candidate editing, test, backtest, versions. */
interface Result {
  problems?: string[];
  valid?: boolean;
  test?: { decision: Decision; what: string } | { error: string };
  backtest?: ReturnType<typeof backtestRules>;
}

function decisionBlock(d: Decision): SafeHtml {
  return html`<p><strong>${d.destination}</strong> (${d.status === 'routed' ? 'routé' : 'à vérifier'}), confiance ${d.confidence.toFixed(2)} ;
    propositions : ${d.suggestions.map((s) => `${s.destination} ${s.score.toFixed(2)}`).join(', ')}</p>
    <ul>${d.reasons.map((r) => html`<li>${r.rule ? html`<code>${r.rule}</code> ` : ''}${maskNirsInText(r.text)}</li>`)}</ul>`;
}

function resultBlock(r: Result): SafeHtml {
  const parts: SafeHtml[] = [];
  if (r.problems?.length) parts.push(html`<div class="card" id="problems"><h3>Fichier refusé</h3><ul class="problems">${r.problems.map((p) => html`<li>${p}</li>`)}</ul></div>`);
  if (r.valid) parts.push(html`<div class="flash" id="valid">Fichier valide.</div>`);
  if (r.test) {
    parts.push(
      'error' in r.test
        ? html`<div class="flash error">${r.test.error}</div>`
        : html`<div class="card" id="test-result"><h3>Essai sur ${r.test.what}</h3>${decisionBlock(r.test.decision)}</div>`,
    );
  }
  if (r.backtest) {
    const b = r.backtest;
    parts.push(html`<div class="card" id="backtest"><h3>Backtest sur ${b.total} élément(s) corrigé(s) du registre</h3>
      <p>Justes : ${b.correctBefore} avec les règles en vigueur → ${b.correctAfter} avec le candidat. Changerait ${b.changes.length} élément(s)${b.changes.length ? ' :' : '.'}</p>
      <ul>${b.changes.slice(0, 100).map((c) => html`<li><a href="/items/${encodeURIComponent(c.registerNo)}">${c.registerNo}</a> : ${c.before} → ${c.after} (corrigé : ${c.label})</li>`)}</ul></div>`);
  }
  return html`${parts}`;
}

async function rulesRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const { rulesPath, localRulesPath } = deps.paths;
  const opts = { threshold: deps.config.classify.threshold, reviewMargin: deps.config.classify.reviewMargin, destinationThresholds: deps.config.classify.destinationThresholds };
  const inForce = (): RuleSet => loadRules([rulesPath, localRulesPath]);
  const localText = () => (fs.existsSync(localRulesPath) ? fs.readFileSync(localRulesPath, 'utf8') : 'version: 1\nrules: []\n');
  const bodyText = (req: FastifyRequest, k: string) => {
    const v = (req.body as Record<string, unknown> | undefined)?.[k];
    return typeof v === 'string' ? v : '';
  };

  function render(req: FastifyRequest, reply: FastifyReply, text: string, result: Result) {
    let stats: ReturnType<typeof ruleStats> | null = null;
    let loadError: string | null = null;
    try {
      stats = ruleStats(inForce(), deps.model(), decidedItems(deps.register), opts);
    } catch (err) {
      loadError = errorMessage(err);
    }
    const versions = ruleVersions(deps.register);
    const body = html`${resultBlock(result)}
      <section class="card"><h2>Fichier local candidat (<code>${localRulesPath}</code>)</h2>
      <form method="post" action="/admin/rules">${csrfField(req)}
        <textarea name="text" rows="18" spellcheck="false" aria-label="Règles locales">${text}</textarea>
        <p><button name="action" value="validate" type="submit">Valider</button>
          <button name="action" value="backtest" type="submit" class="secondary">Backtest sur les éléments corrigés</button>
          <label>Commentaire <input type="text" name="comment" size="30"></label> <button name="action" value="save" type="submit">Enregistrer (nouvelle version)</button></p>
        <p><label>Essayer sur l'élément n° <input type="text" name="registerNo" size="18"></label> ou coller un message .eml :</p>
        <textarea name="eml" rows="5" aria-label="Message .eml"></textarea>
        <p><button name="action" value="test" type="submit" class="secondary">Essayer sur ce message</button></p>
      </form></section>
      ${loadError ? html`<p class="bad">${loadError}</p>` : ''}
      <h2>Règles en vigueur</h2>
      <table id="rules"><thead><tr><th>Règle</th><th>Groupe</th><th>Cible</th><th>Déclenchements</th><th>Décision changée</th><th>Précision (vérifiés)</th><th>Source</th></tr></thead><tbody>
      ${(stats?.active ?? []).map((s) => html`<tr><td><code>${s.rule.name}</code><div class="muted">${s.rule.description}</div></td><td>${s.rule.group}</td><td>${s.target ?? '—'}</td>
        <td>${s.fired}</td><td>${s.changed}</td><td>${s.labelled ? `${pct(s.agreed / s.labelled)} (${s.agreed}/${s.labelled})` : '—'}</td><td class="muted">${s.rule.source.split('/').pop()}</td></tr>`)}
      </tbody></table>
      <h2>Règles fantômes</h2>
      <table id="shadow-rules"><thead><tr><th>Règle</th><th>Cible</th><th>Déclenchements</th><th>Aurait changé</th></tr></thead><tbody>
      ${(stats?.shadow ?? []).map((s) => html`<tr><td><code>${s.rule.name}</code><div class="muted">${s.rule.description}</div></td><td>${s.target ?? '—'}</td><td>${s.fired}</td>
        <td>${s.changed}${s.wouldChange.slice(0, 10).map((c) => html`<div>${c.registerNo} : ${c.from} → ${c.to}</div>`)}</td></tr>`)}
      </tbody></table>
      <h2>Versions enregistrées</h2>
      <table id="rule-versions"><thead><tr><th>#</th><th>Date</th><th>Par</th><th>Commentaire</th><th></th></tr></thead><tbody>
      ${versions.map((v) => html`<tr><td>${v.id}</td><td>${frDateTime(v.at)}</td><td>${v.actor}</td><td>${v.comment ?? ''}</td>
        <td><a href="/admin/rules/versions/${v.id}">différences</a>
        <form method="post" action="/admin/rules/versions/${v.id}/rollback" class="inline">${csrfField(req)}<button class="secondary" type="submit">Revenir à cette version</button></form></td></tr>`)}
      </tbody></table>`;
    return sendPage(req, reply, 'Règles', body, result.problems?.length ? 422 : 200, flashOf(req));
  }

  app.get('/admin/rules', { config: { access: ADMIN } }, async (req, reply) => render(req, reply, localText(), {}));

  app.post('/admin/rules', { config: { access: ADMIN } }, async (req, reply) => {
    const text = bodyText(req, 'text');
    const action = bodyText(req, 'action');
    const checked = validateCandidate(text, rulesPath, localRulesPath);
    if (!checked.rules) return render(req, reply, text, { problems: checked.problems });
    const candidate = checked.rules;
    if (action === 'save') {
      const id = saveRulesVersion(deps.register, localRulesPath, text, req.user!.name, bodyText(req, 'comment').trim() || null);
      req.log.info({ event: 'rules-saved', version: id }, 'local rules saved from the dashboard');
      return redirectWith(reply, '/admin/rules', { ok: `Version ${id} enregistrée ; les processus de tri la rechargent d'eux-mêmes.` });
    }
    if (action === 'backtest') return render(req, reply, text, { backtest: backtestRules(inForce(), candidate, deps.model(), decidedItems(deps.register), opts) });
    if (action === 'test') return render(req, reply, text, { test: await testOne(deps, candidate, bodyText(req, 'registerNo').trim(), bodyText(req, 'eml'), opts) });
    return render(req, reply, text, { valid: true });
  });

  app.get('/admin/rules/versions/:id', { config: { access: ADMIN } }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const all = ruleVersions(deps.register);
    const i = all.findIndex((v) => v.id === id);
    if (i < 0) throw new AigError('AIG_ERR_NOT_FOUND', `version ${id} introuvable`);
    const prev = all[i + 1]?.text ?? '';
    const diff = lineDiff(prev, all[i]!.text);
    const body = html`<p>${all[i]!.actor}, ${frDateTime(all[i]!.at)} — ${all[i]!.comment ?? ''}</p><div class="diff">${diff.map(
      (d) => html`<div class="${d.op === '+' ? 'add' : d.op === '-' ? 'del' : ''}">${d.op} ${d.line}</div>`,
    )}</div><p><a href="/admin/rules">Retour</a></p>`;
    return sendPage(req, reply, `Version ${id} des règles locales`, body);
  });

  app.post('/admin/rules/versions/:id/rollback', { config: { access: ADMIN } }, async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    const v = ruleVersions(deps.register).find((x) => x.id === id);
    if (!v) throw new AigError('AIG_ERR_NOT_FOUND', `version ${id} introuvable`);
    const checked = validateCandidate(v.text, rulesPath, localRulesPath);
    if (!checked.rules) return redirectWith(reply, '/admin/rules', { err: `Version ${id} refusée : ${checked.problems.join(' ; ')}` });
    const nid = saveRulesVersion(deps.register, localRulesPath, v.text, req.user!.name, `retour à la version ${id}`);
    return redirectWith(reply, '/admin/rules', { ok: `Retour à la version ${id} (nouvelle version ${nid}).` });
  });
}

async function testOne(deps: DashboardDeps, rules: RuleSet, registerNo: string, eml: string, opts: ReplayOptions): Promise<Result['test']> {
  const classifier = createClassifier({ rules, model: deps.model(), ...opts });
  if (registerNo) {
    const item = deps.register.getByNumber(registerNo);
    if (!item?.index) return { error: `élément ${registerNo} introuvable ou sans index` };
    return { decision: classifier.classify({ index: item.index, receivedAt: new Date(item.receivedAt) }), what: `l'élément ${registerNo}` };
  }
  if (!eml.trim()) return { error: 'indiquez un n° de registre ou collez un message' };
  try {
    const a = await analyseMessage(Buffer.from(eml.replace(/\r?\n/g, '\r\n'), 'utf8'), { ...deps.analysis, classifier });
    return { decision: a.decision, what: 'le message collé' };
  } catch (err) {
    return { error: `message illisible : ${errorMessage(err)}` };
  }
}

export default fp(rulesRoutes, { name: 'aiguillage-rules', dependencies: ['aiguillage-auth'] });
