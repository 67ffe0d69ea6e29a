import fs from 'node:fs';
import path from 'node:path';
import type { TriageJob } from '../queue';
import type { SourceRef } from '../register/types';
import { outcomeOf, registerSource, VANISHED_RETRIES, type TriageDeps, type TriageOutcome } from './process';

/**
 * A file of the drop folder (a scanned letter as .pdf, or a saved mail as .eml): registered as
 * `courrier`, then moved to done/ (or failed/ for a dead letter) under its register number. The file
 * stays in place until its row is committed, so a worker stopped midway loses nothing.
 */
export async function triageFile(job: TriageJob, file: { name: string; sha256: string }, ref: SourceRef, deps: TriageDeps, attempt: number): Promise<TriageOutcome> {
  const dir = job.folder;
  const log = deps.log.child({ stage: 'triage', origin: 'drop' });
  const known = deps.register.findSource(ref);
  if (known?.movedAt) {
    const item = deps.register.getItem(known.itemId)!;
    return outcomeOf(item, known.folder ?? '', false);
  }
  const full = path.join(dir, file.name);
  let item;
  let created = false;
  if (known) item = deps.register.getItem(known.itemId)!;
  else {
    if (!fs.existsSync(full)) {
      if (attempt < VANISHED_RETRIES) throw new Error(`drop file ${file.name} not found (attempt ${attempt + 1}); retrying`);
      log.warn('drop folder file vanished before triage');
      return { status: 'vanished' };
    }
    const content = fs.readFileSync(full);
    const receivedAt = job.internalDate ? new Date(job.internalDate) : new Date();
    const source = /\.pdf$/i.test(file.name) ? wrapPdf(content, file, receivedAt) : content;
    const res = await registerSource(source, receivedAt, ref, deps, log, 'courrier');
    item = res.item;
    created = res.created;
  }
  const sub = item.status === 'error' ? 'failed' : 'done';
  const target = path.join(dir, sub, `${item.registerNo}-${file.name}`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(full)) {
    if (item.status === 'error') fs.writeFileSync(`${target}.raison.txt`, `${item.registerNo}\n${item.error ?? ''}\n`);
    fs.renameSync(full, target);
  }
  await deps.io.markMoved({ ref, folder: `${sub}/${path.basename(target)}` });
  if (created) log.info({ registerNo: item.registerNo, destination: item.destination, status: item.status }, 'drop folder file registered');
  return outcomeOf(item, `${sub}/`, created);
}

/** A scanned letter arrives as a bare PDF: wrap it in a message so the one pipeline handles it. */
function wrapPdf(pdf: Buffer, file: { name: string; sha256: string }, receivedAt: Date): Buffer {
  const b = `aig-drop-${file.sha256.slice(0, 16)}`;
  const safeName = file.name.replace(/[^\w.\- ]/g, '_');
  const head = [
    'From: "Numérisation du courrier" <numerisation@drop.aiguillage.invalid>',
    `Subject: Courrier numérisé ${safeName}`,
    `Date: ${receivedAt.toUTCString()}`,
    `Message-ID: <${file.sha256}@drop.aiguillage.invalid>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${b}"`,
  ].join('\r\n');
  const body64 = pdf.toString('base64').replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    `${head}\r\n\r\n--${b}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n\r\n` +
      `--${b}\r\nContent-Type: application/pdf; name="${safeName}"\r\nContent-Disposition: attachment; filename="${safeName}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${body64}\r\n--${b}--\r\n`,
  );
}
