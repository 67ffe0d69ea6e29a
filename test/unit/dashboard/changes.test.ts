/** Register changes, users, candidate rules and retraining, on real temp files (no mocks). */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { indexDepsFromConfig } from '../../../src/classify/model/corpus';
import { loadModel } from '../../../src/classify/model/linear';
import { runUser } from '../../../src/cli/user';
import { addCopy, confirmDecision, copiesOf, labelledItems, markHandled, reassign, removeCopy, returnToSecretariat } from '../../../src/register/changes';
import { lineDiff, ruleVersions, saveRulesVersion, validateCandidate } from '../../../src/dashboard/rules-admin';
import { modelVersions, retrainModel } from '../../../src/dashboard/retrain';
import { UserStore, verifyPassword } from '../../../src/dashboard/users';
import { AUTO_DESTINATIONS } from '../../../src/classify/types';
import { add, openRegister } from '../register/register-builders';
import { tempFile } from '../../helpers/services';

describe('register changes', () => {
  const reg = openRegister(tempFile('changes.sqlite'));
  afterAll(() => reg.close());

  it('reassign updates the row, the source folder, a correction and the history in one go', () => {
    const it0 = add(reg, { subject: 'S2 Espagne', destination: 'pcn' });
    const src = reg.sourcesOf(it0.id)[0]!;
    const after = reassign(reg, it0.id, 'prestations', 'sophie', 'soins programmés sous S2', { folders: [{ ...src, folder: 'Aiguillage.prestations' }] });
    expect(after.destination).toBe('prestations');
    expect(reg.sourcesOf(it0.id)[0]!.folder).toBe('Aiguillage.prestations');
    const h = reg.history(it0.id).at(-1)!;
    expect(h).toMatchObject({ actor: 'sophie', action: 'reassigned', fromValue: 'pcn', toValue: 'prestations', reason: 'soins programmés sous S2' });
    expect(labelledItems(reg, AUTO_DESTINATIONS)).toContainEqual({ itemId: it0.id, registerNo: it0.registerNo, label: 'prestations' });
  });

  it('refuses a reassignment without a reason, and leaves the row as it was', () => {
    const it1 = add(reg, { destination: 'pcn' });
    expect(() => reassign(reg, it1.id, 'legislation', 'sophie', '  ')).toThrow(/motif/);
    expect(reg.getItem(it1.id)!.destination).toBe('pcn');
    expect(reg.history(it1.id).map((x) => x.action)).toEqual(['registered']);
  });

  it('return to secretariat sends the item back to review and labels nothing', () => {
    const it2 = add(reg, { destination: 'linguistique' });
    const back = returnToSecretariat(reg, it2.id, 'marc', 'pas une traduction');
    expect(back).toMatchObject({ destination: 'secretariat', status: 'to-review' });
    expect(labelledItems(reg, AUTO_DESTINATIONS).some((l) => l.itemId === it2.id)).toBe(false);
  });

  it('confirm, copies and handled each leave a history line', () => {
    const it3 = add(reg, { destination: 'legislation' });
    confirmDecision(reg, it3.id, 'marc');
    expect(addCopy(reg, it3.id, 'dpo', 'sophie')).toBe(true);
    expect(addCopy(reg, it3.id, 'dpo', 'sophie')).toBe(false);
    expect(copiesOf(reg, it3.id).map((c) => c.unit)).toEqual(['dpo']);
    expect(removeCopy(reg, it3.id, 'dpo', 'sophie')).toBe(true);
    markHandled(reg, it3.id, 'sophie');
    expect(() => markHandled(reg, it3.id, 'sophie')).toThrow(/déjà traité/);
    expect(reg.history(it3.id).map((x) => x.action)).toEqual(['registered', 'confirmed', 'copy-added', 'copy-removed', 'handled']);
    expect(labelledItems(reg, AUTO_DESTINATIONS)).toContainEqual({ itemId: it3.id, registerNo: it3.registerNo, label: 'legislation' });
  });
});

describe('users', () => {
  it('user add reads the password from stdin, stores a salted scrypt hash, and refuses --password', async () => {
    const file = tempFile('users.yaml');
    fs.writeFileSync(file, '# comment kept\nusers: []\n');
    await runUser(['add', 'claire', '--role', 'supervisor', '--password-stdin', '--users', file], async () => 'un-mot-de-passe-long');
    await runUser(['add', 'denis', '--role', 'admin', '--users', file], async () => 'un-mot-de-passe-long');
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith('# comment kept\n')).toBe(true);
    expect(text).not.toContain('un-mot-de-passe-long');
    const [a, b] = new UserStore(file).list();
    expect(a!.hash).not.toBe(b!.hash); // same password, different salts
    expect(await verifyPassword('un-mot-de-passe-long', a!.hash)).toBe(true);
    expect(await verifyPassword('un-mot-de-passe-lonG', a!.hash)).toBe(false);
    expect(await new UserStore(file).authenticate('claire', 'un-mot-de-passe-long')).toMatchObject({ name: 'claire', role: 'supervisor' });
    await expect(runUser(['add', 'eve', '--role', 'admin', '--password', 'x', '--users', file], async () => '')).rejects.toThrow(/stdin|entrée standard/);
    await expect(runUser(['add', 'eve', '--role', 'chef', '--users', file], async () => 'un-mot-de-passe-long')).rejects.toThrow(/--role/);
    await expect(runUser(['add', 'eve', '--role', 'admin', '--users', file], async () => 'court')).rejects.toThrow(/trop court/);
  });
});

describe('candidate rules', () => {
  const config = loadConfig();
  it('reports the same problems as the loader, naming the local file', () => {
    const local = '/etc/aiguillage/rules.local.yaml';
    const bad = validateCandidate('version: 1\nrules:\n  - name: lower_case\n    description: x\n', config.classify.rulesPath, local);
    expect(bad.rules).toBeNull();
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(bad.problems.every((p) => p.includes(local))).toBe(true);
    const ok = validateCandidate('version: 1\nrules:\n  - { name: EMPTY_MESSAGE, enabled: false }\n', config.classify.rulesPath, local);
    expect(ok.problems).toEqual([]);
    expect(ok.rules!.rules.some((r) => r.name === 'EMPTY_MESSAGE')).toBe(false);
  });

  it('keeps every saved version (with the state before the first save) and diffs them', () => {
    const reg = openRegister(tempFile('rules.sqlite'));
    const local = tempFile('rules.local.yaml');
    fs.writeFileSync(local, 'version: 1\nrules: []\n');
    saveRulesVersion(reg, local, 'version: 1\nrules:\n  - { name: EMPTY_MESSAGE, enabled: false }\n', 'alice', 'essai');
    expect(fs.readFileSync(local, 'utf8')).toContain('EMPTY_MESSAGE');
    const v = ruleVersions(reg);
    expect(v.map((x) => x.actor)).toEqual(['alice', 'aiguillage']);
    expect(v[1]!.text).toBe('version: 1\nrules: []\n');
    const d = lineDiff(v[1]!.text, v[0]!.text);
    expect(d.filter((x) => x.op === '-').map((x) => x.line)).toEqual(['rules: []']);
    expect(d.filter((x) => x.op === '+').map((x) => x.line)).toEqual(['rules:', '  - { name: EMPTY_MESSAGE, enabled: false }']);
    reg.close();
  });
});

describe('retrain', () => {
  it('trains on the corpus plus corrected items and writes a new versioned model with a before/after backtest', async () => {
    const config = loadConfig();
    const corpus = path.dirname(tempFile('x'));
    for (const d of AUTO_DESTINATIONS) {
      const src = path.join(config.classify.rulesPath, '..', 'training', d);
      fs.mkdirSync(path.join(corpus, d));
      for (const f of fs.readdirSync(src).filter((x) => x.endsWith('.eml')).sort().slice(0, 6)) fs.copyFileSync(path.join(src, f), path.join(corpus, d, f));
    }
    const reg = openRegister(tempFile('retrain.sqlite'));
    const it0 = add(reg, { subject: 'Traduction certificat', body: 'merci de traduire ce certificat de naissance en allemand', destination: 'secretariat' });
    reassign(reg, it0.id, 'linguistique', 'sophie', 'demande de traduction');
    const versions = path.join(corpus, 'versions');
    const report = await retrainModel({
      register: reg,
      rulePaths: [config.classify.rulesPath],
      modelPath: config.classify.modelPath,
      trainingDir: corpus,
      versionsDir: versions,
      indexDeps: indexDepsFromConfig(config),
      threshold: config.classify.threshold,
      reviewMargin: config.classify.reviewMargin,
      actor: 'marc',
      folds: 2,
    });
    expect(report.trainingFiles).toBe(30);
    expect(report.correctedItems).toBe(1);
    expect(report.before.total).toBe(1);
    expect(fs.existsSync(report.path)).toBe(true);
    expect(path.dirname(report.path)).toBe(versions);
    expect(loadModel(report.path).file.corpusSize).toBe(31);
    expect(modelVersions(reg)[0]).toMatchObject({ actor: 'marc', path: report.path });
    reg.close();
  }, 120000);
});
