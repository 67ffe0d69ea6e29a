import type { FastifyRequest } from 'fastify';
import { DESTINATION_LABELS } from '../../classify';
import type { Organisation } from '../../config/organisation';
import type { CopyRow } from '../../register/changes';
import type { HistoryEntry, Item, SourceRow } from '../../register/types';
import { maskNir, maskNirsInText } from '../../shared/privacy';
import { frDateTime, html, STATUS_FR, type SafeHtml } from '../html';
import { csrfField } from '../layout';
import type { LoadedMessage } from '../message';

export interface ItemPage {
  item: Item;
  organisation: Organisation;
  history: HistoryEntry[];
  sources: SourceRow[];
  copies: CopyRow[];
  message: LoadedMessage;
  view: 'text' | 'html';
  frame: string | null;
  removedImages: number;
}

const ACTION_FR: Record<string, string> = {
  registered: 'enregistré',
  moved: 'déplacé',
  'seen-again': 'revu',
  reassigned: 'réaffecté',
  confirmed: 'confirmé',
  returned: 'retour au secrétariat',
  handled: 'traité',
  'copy-added': 'copie ajoutée',
  'copy-removed': 'copie retirée',
  'not-found': 'introuvable',
  imported: "importé de l'historique",
};

const list = (xs: string[] | undefined) => (xs && xs.length ? xs.join(', ') : '—');

function indexFields(item: Item): SafeHtml {
  const ix = item.index;
  const ids = ix?.identifiers;
  return html`<dl>
    <dt>Reçu le</dt><dd>${frDateTime(item.receivedAt)}</dd>
    <dt>Enregistré le</dt><dd>${frDateTime(item.registeredAt)}</dd>
    <dt>Échéance</dt><dd>${frDateTime(item.deadline)}</dd>
    <dt>Canal</dt><dd>${item.channel}</dd>
    <dt>Expéditeur</dt><dd>${item.senderName ?? ''} &lt;${item.senderAddress ?? '?'}&gt;</dd>
    <dt>Type d'expéditeur</dt><dd>${item.senderKind ?? '—'}${item.senderOrg ? ` — ${item.senderOrg}` : ''}</dd>
    <dt>Destinataires</dt><dd>${list(ix?.recipients)}</dd>
    <dt>Objet</dt><dd>${maskNirsInText(item.subject ?? '')}</dd>
    <dt>Langue(s)</dt><dd>${list(ix?.languages ?? (item.language ? [item.language] : []))}</dd>
    <dt>NIR</dt><dd>${list(ids?.nir.map(maskNir))}</dd>
    <dt>Formulaires</dt><dd>${list(ids?.forms)}</dd>
    <dt>Pays</dt><dd>${list(ids?.countries)}</dd>
    <dt>SIREN / SIRET</dt><dd>${list([...(ids?.siren ?? []), ...(ids?.siret ?? [])])}</dd>
    <dt>Références</dt><dd>${list([...(ids?.caseRefs ?? []), ...(ids?.senderRefs ?? [])])}</dd>
    <dt>Pièces jointes</dt><dd>${list(ix?.attachments.map((a) => `${a.name || '(sans nom)'} (${a.type}, ${Math.ceil(a.size / 1024)} Kio, texte : ${a.textStatus})`))}</dd>
    <dt>Fil</dt><dd>${ix?.thread.inReplyTo ? `réponse à ${ix.thread.inReplyTo}` : '—'}</dd>
    <dt>Texte disponible</dt><dd>${ix ? (ix.textAvailable ? 'oui' : 'non') : '—'}</dd>
    ${item.error ? html`<dt>Erreur</dt><dd class="bad">${item.error}</dd>` : ''}
  </dl>`;
}

function decisionPart(item: Item): SafeHtml {
  const d = item.decision;
  if (!d) return html`<p class="muted">Aucune décision (message non analysé).</p>`;
  const label = (x: string) => (DESTINATION_LABELS as Record<string, string>)[x] ?? x;
  return html`<dl>
      <dt>Décision</dt><dd><strong>${d.destination}</strong> (${d.status === 'routed' ? 'routé automatiquement' : 'à vérifier'}), confiance ${d.confidence.toFixed(2)}</dd>
      <dt>Propositions</dt><dd><ol>${d.suggestions.map((s) => html`<li>${s.destination} — ${label(s.destination)} : ${s.score.toFixed(2)}</li>`)}</ol></dd>
      <dt>Étiquettes</dt><dd>${list(d.tags)}</dd>
      <dt>Copies proposées</dt><dd>${list(d.copies)}</dd>
    </dl>
    <h3>Explication</h3>
    <ul>${d.reasons.map((r) => html`<li>${r.rule ? html`<code>${r.rule}</code> ` : ''}${r.kind === 'shadow' ? html`<em>(règle fantôme)</em> ` : ''}${maskNirsInText(r.text)}</li>`)}</ul>`;
}

function messagePart(p: ItemPage): SafeHtml {
  const base = `/items/${encodeURIComponent(p.item.registerNo)}`;
  const parsed = p.message.parsed;
  const tabs = html`<p><a href="${base}">Texte brut</a>${parsed?.html ? html` · <a href="${base}?view=html">HTML nettoyé</a>` : ''}</p>`;
  const note = p.message.note ? html`<p class="muted">${p.message.note}</p>` : '';
  let content: SafeHtml;
  if (p.view === 'html' && p.frame !== null) {
    content = html`${p.removedImages ? html`<p class="muted">${p.removedImages} image(s) retirée(s) : aucun contenu distant n'est chargé.</p>` : ''}
      <iframe class="body" title="Message (HTML nettoyé)" sandbox="" referrerpolicy="no-referrer" srcdoc="${p.frame}"></iframe>`;
  } else {
    content = html`<pre class="body" id="message-text">${parsed ? parsed.text : (p.item.index?.text ?? '')}</pre>`;
  }
  const atts = parsed?.attachments ?? [];
  return html`${tabs}${note}${content}
    ${atts.length ? html`<h3>Pièces jointes</h3><ul>${atts.map((a, i) => html`<li><a href="${base}/attachments/${i}" download>${a.filename || `pièce jointe ${i + 1}`}</a> <span class="muted">(${a.contentType}, ${Math.ceil(a.size / 1024)} Kio)</span></li>`)}</ul>` : ''}`;
}

function actionsPart(req: FastifyRequest, p: ItemPage): SafeHtml {
  const base = `/items/${encodeURIComponent(p.item.registerNo)}`;
  const units = p.organisation.units;
  const options = units.map((u) => html`<option value="${u.id}">${u.id} — ${u.label}</option>`);
  const supervisor = req.user?.role === 'supervisor' || req.user?.role === 'admin';
  return html`
    <form method="post" action="${base}/reassign" class="card">${csrfField(req)}
      <label>Réaffecter à <select name="to" required>${options}</select></label>
      <label>Motif <input type="text" name="reason" required size="40"></label> <button type="submit">Réaffecter</button></form>
    <form method="post" action="${base}/return" class="card">${csrfField(req)}
      <label>Retour au secrétariat — motif <input type="text" name="reason" required size="40"></label> <button type="submit">Renvoyer</button></form>
    <div class="card">
      <form method="post" action="${base}/copies" class="inline">${csrfField(req)}<label>Copie pour <select name="unit">${options}</select></label> <button type="submit">Ajouter</button></form>
      <ul>${p.copies.map((c) => html`<li>${c.unit} <span class="muted">(${c.addedBy}, ${frDateTime(c.addedAt)})</span>
        <form method="post" action="${base}/copies/remove" class="inline">${csrfField(req)}<input type="hidden" name="unit" value="${c.unit}"><button class="secondary" type="submit">Retirer</button></form></li>`)}</ul>
    </div>
    ${p.item.status !== 'handled' ? html`<form method="post" action="${base}/handled" class="card">${csrfField(req)}<button type="submit">Marquer comme traité</button></form>` : ''}
    ${supervisor ? html`<form method="post" action="${base}/confirm" class="card">${csrfField(req)}<button type="submit">Confirmer ${p.item.status === 'to-review' ? `la proposition (${p.item.decision?.suggestions[0]?.destination ?? '?'})` : 'la décision'}</button></form>` : ''}`;
}

export function itemView(req: FastifyRequest, p: ItemPage): SafeHtml {
  const it = p.item;
  return html`<p><span class="badge s-${it.status}">${STATUS_FR[it.status] ?? it.status}</span> destination <strong id="destination">${it.destination}</strong>
      · dossier${p.sources.map((s) => html` <code>${s.folder ?? '(non déplacé)'}</code>`)}</p>
    <div class="grid">
      <section class="card"><h2>Index</h2>${indexFields(it)}</section>
      <section class="card"><h2>Décision</h2>${decisionPart(it)}</section>
    </div>
    <section class="card"><h2>Message</h2>${messagePart(p)}</section>
    <div class="grid"><section><h2>Actions</h2>${actionsPart(req, p)}</section>
    <section><h2>Historique</h2><table id="history"><thead><tr><th>Quand</th><th>Qui</th><th>Action</th><th>De</th><th>Vers</th><th>Motif</th></tr></thead>
      <tbody>${p.history.map((h) => html`<tr><td>${frDateTime(h.at)}</td><td>${h.actor}</td><td>${ACTION_FR[h.action] ?? h.action}</td><td>${h.fromValue ?? ''}</td><td>${h.toValue ?? ''}</td><td>${maskNirsInText(h.reason ?? '')}</td></tr>`)}</tbody></table></section></div>`;
}
