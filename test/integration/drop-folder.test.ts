/**
 * The drop folder through the real pipeline: scanned letters (.pdf) and saved mails (.eml) dropped in
 * a folder are registered as courrier, their PDF text feeds indexing, a PDF without a text layer goes to
 * review ("texte non disponible"), files end in done/ (or failed/ with a reason), nothing is deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startPoller, startTriage, type Running } from '../../src/app/start';
import { createLogger } from '../../src/shared/logger';
import { pipelineEnv, sampleMessages, waitFor } from '../helpers/pipeline';
import { cleanupRedisPrefix, tempFile, testRedisUrl } from '../helpers/services';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'parse', 'pdf');

test('drop folder: .pdf and .eml registered as courrier, moved to done/; other files refused to failed/', async () => {
  const drop = tempFile('drop');
  fs.mkdirSync(drop);
  const p = await pipelineEnv('drop', { dropFolder: { path: drop, pollIntervalMs: 200, settleMs: 50 } });
  fs.copyFileSync(path.join(FIXTURES, 'text-fr.pdf'), path.join(drop, 'lettre-avec-texte.pdf'));
  fs.copyFileSync(path.join(FIXTURES, 'image-only.pdf'), path.join(drop, 'lettre-scannee.pdf'));
  fs.writeFileSync(path.join(drop, 'courriel-enregistre.eml'), sampleMessages(1)[0].source);
  fs.writeFileSync(path.join(drop, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
  const running: Running[] = [];
  try {
    const triage = await startTriage(p.config, createLogger('warn'));
    running.push(triage);
    running.push(startPoller(p.config, createLogger('warn')));
    const register = triage.register;
    await waitFor('three files registered and moved', () => register.counts().moved === 3, 60000);
    const items = register.list({ limit: 10 });
    expect(items.every((i) => i.channel === 'courrier')).toBe(true);
    const byFile = (name: string) => items.find((i) => register.sourcesOf(i.id)[0].folder!.endsWith(name))!;
    const withText = byFile('lettre-avec-texte.pdf');
    expect(withText.index!.textAvailable).toBe(true);
    expect(withText.index!.attachments[0].textStatus).toBe('ok');
    const scanned = byFile('lettre-scannee.pdf');
    expect(scanned.status).toBe('to-review');
    expect(scanned.index!.attachments[0].textStatus).toBe('no-text-layer');
    expect(JSON.stringify(scanned.decision!.reasons)).toMatch(/texte non disponible/i);
    expect(byFile('courriel-enregistre.eml').status).not.toBe('error');
    // Files: nothing left on top, each in done/ under its register number; the photo refused with a reason.
    await waitFor('photo refused', () => fs.existsSync(path.join(drop, 'failed')));
    expect(fs.readdirSync(drop).filter((f) => fs.statSync(path.join(drop, f)).isFile())).toEqual([]);
    const done = fs.readdirSync(path.join(drop, 'done')).sort();
    expect(done).toHaveLength(3);
    for (const it of items) expect(done.some((f) => f.startsWith(it.registerNo))).toBe(true);
    const failed = fs.readdirSync(path.join(drop, 'failed'));
    expect(failed.some((f) => f.endsWith('photo.jpg'))).toBe(true);
    expect(failed.some((f) => f.endsWith('photo.jpg.raison.txt'))).toBe(true);
  } finally {
    for (const r of running.reverse()) await r.stop();
    await cleanupRedisPrefix(testRedisUrl(), p.prefix);
  }
});
