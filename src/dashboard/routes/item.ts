import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { addCopy, copiesOf, markHandled, removeCopy } from '../../register/changes';
import type { Item } from '../../register/types';
import { AigError } from '../../shared/errors';
import { confirmItem, reassignItem, returnItem } from '../actions';
import { SECRETARIAT, SUPERVISOR, type DashboardDeps } from '../deps';
import { loadMessage } from '../message';
import { frameDocument, sanitizeMessageHtml } from '../sanitize';
import { flashOf, redirectWith, sendPage } from '../layout';
import { itemView } from '../views/item';

/** The item page, its message, attachments, and the secretariat's actions on it. */
function itemOf(deps: DashboardDeps, req: FastifyRequest): Item {
  const no = (req.params as { no: string }).no;
  const item = deps.register.getByNumber(no);
  if (!item) throw new AigError('AIG_ERR_NOT_FOUND', `élément ${no} introuvable dans le registre`);
  return item;
}

function field(req: FastifyRequest, name: string): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v.trim() : '';
}

/** POST-redirect-GET: the outcome (or a refused change's reason) shows on the item page. */
async function act(req: FastifyRequest, reply: FastifyReply, item: Item, fn: () => Promise<string> | string) {
  const url = `/items/${encodeURIComponent(item.registerNo)}`;
  try {
    return redirectWith(reply, url, { ok: await fn() });
  } catch (err) {
    if (err instanceof AigError && (err.code === 'AIG_ERR_VALIDATION' || err.code === 'AIG_ERR_IMAP')) return redirectWith(reply, url, { err: err.message });
    throw err;
  }
}

async function itemRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const unitIds = new Set(deps.organisation.units.map((u) => u.id));
  const unit = (id: string) => {
    if (!unitIds.has(id)) throw new AigError('AIG_ERR_VALIDATION', `unité inconnue « ${id} »`);
    return id;
  };

  app.get('/items/:no', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    const view = (req.query as Record<string, string | undefined>).view === 'html' ? 'html' : 'text';
    const msg = await loadMessage(deps, item);
    let frame: string | null = null;
    let removedImages = 0;
    if (view === 'html' && msg.parsed?.html) {
      const clean = sanitizeMessageHtml(msg.parsed.html);
      frame = frameDocument(clean.html);
      removedImages = clean.removedImages;
    }
    const body = itemView(req, {
      item,
      organisation: deps.organisation,
      history: deps.register.history(item.id),
      sources: deps.register.sourcesOf(item.id),
      copies: copiesOf(deps.register, item.id),
      message: msg,
      view,
      frame,
      removedImages,
    });
    return sendPage(req, reply, `${item.registerNo}`, body, 200, flashOf(req));
  });

  app.get('/items/:no/attachments/:n', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    const n = Number((req.params as { n: string }).n);
    const msg = await loadMessage(deps, item);
    const att = msg.parsed?.attachments[n];
    if (!Number.isInteger(n) || !att) throw new AigError('AIG_ERR_NOT_FOUND', 'pièce jointe introuvable');
    const name = (att.filename || `piece-jointe-${n + 1}`).replace(/[\r\n"\\/]/g, '_');
    // Always a download, never rendered by the browser: an HTML or SVG "attachment" would run in
    // our origin. The declared type is not trusted (octet-stream) and nosniff stops guessing.
    return reply
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .type('application/octet-stream')
      .send(att.content);
  });

  const who = (req: FastifyRequest) => req.user!.name;

  app.post('/items/:no/reassign', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    return act(req, reply, item, async () => {
      const to = unit(field(req, 'to'));
      await reassignItem(deps, item, to, who(req), field(req, 'reason'));
      return `Réaffecté à ${to}.`;
    });
  });

  app.post('/items/:no/return', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    return act(req, reply, item, async () => {
      await returnItem(deps, item, who(req), field(req, 'reason'));
      return 'Renvoyé au secrétariat.';
    });
  });

  app.post('/items/:no/handled', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    return act(req, reply, item, () => (markHandled(deps.register, item.id, who(req), field(req, 'note') || null), 'Marqué comme traité.'));
  });

  app.post('/items/:no/copies', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    return act(req, reply, item, () => {
      const u = unit(field(req, 'unit'));
      return addCopy(deps.register, item.id, u, who(req)) ? `Copie ajoutée pour ${u}.` : `${u} a déjà une copie.`;
    });
  });

  app.post('/items/:no/copies/remove', { config: { access: SECRETARIAT } }, async (req, reply) => {
    const item = itemOf(deps, req);
    return act(req, reply, item, () => (removeCopy(deps.register, item.id, field(req, 'unit'), who(req)) ? 'Copie retirée.' : 'Pas de copie à retirer.'));
  });

  app.post('/items/:no/confirm', { config: { access: SUPERVISOR } }, async (req, reply) => {
    const item = itemOf(deps, req);
    const back = field(req, 'back');
    if (back === '/review') {
      await confirmItem(deps, item, who(req));
      return redirectWith(reply, '/review', { ok: `${item.registerNo} confirmé.` });
    }
    return act(req, reply, item, async () => (await confirmItem(deps, item, who(req)), 'Décision confirmée.'));
  });
}

export default fp(itemRoutes, { name: 'aiguillage-item', dependencies: ['aiguillage-auth'] });
