import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRules, loadRulesFromText, RulesError } from '../../../src/classify/rules/load';
import { RulesStore } from '../../../src/classify/rules/store';
import { regexProblem } from '../../../src/classify/rules/schema';

const GOOD = `
version: 1
rules:
  - name: TRANSLATION
    description: Demande de traduction
    group: linguistique
    when: { subject: { keywords: { fr: [traduction] } } }
    effect: { weight: { linguistique: 2 } }
`;

function problems(text: string): string[] {
  try {
    loadRulesFromText(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as RulesError).problems;
  }
  throw new Error('expected the rules to be refused');
}

const rule = (when: string, effect = '{ weight: { legislation: 1 } }', extra = '') => `
rules:
  - name: MY_RULE
    description: Une règle de test
    group: test
    when: ${when}
    effect: ${effect}${extra}
`;

describe('rules schema', () => {
  it('accepts a valid file', () => {
    expect(loadRulesFromText(GOOD).rules.map((r) => r.name)).toEqual(['TRANSLATION']);
  });

  it('refuses an unknown field, naming the rule', () => {
    const p = problems(rule('{ subject: { keyword: [x] } }'));
    expect(p.join('\n')).toMatch(/MY_RULE.*keyword/);
  });

  it('refuses an unknown field on the rule itself', () => {
    expect(problems(rule('{ forms: [A1] }', undefined, '\n    weigth: 3')).join()).toMatch(/MY_RULE.*weigth/);
  });

  it('refuses a bad regex', () => {
    expect(problems(rule(`{ text: { regex: ['(unclosed'] } }`)).join()).toMatch(/MY_RULE.*regex invalide/);
  });

  it('refuses a catastrophic regex like (a+)+$', () => {
    expect(problems(rule(`{ text: { regex: ['(a+)+$'] } }`)).join()).toMatch(/MY_RULE.*catastrophique/);
  });

  it('refuses, by measuring it, a regex that safe-regex2 lets through but backtracks exponentially', () => {
    // Overlapping alternatives under a star: 1.2 s on 24 spaces, for ever on a longer row.
    for (const p of ['( |\\s)*x', '(a|a)*b', '(\\w|\\d)*!']) {
      expect(regexProblem(p)).toMatch(/retour arrière catastrophique mesuré \(temps croissant comme la longueur à la puissance \d+\.\d, \d+ ms sur le texte ".*\\u0000"\)/);
    }
    expect(problems(rule(`{ text: { regex: ['( |\\s)*x'] } }`)).join()).toMatch(/MY_RULE.*catastrophique mesuré/);
  });

  it('keeps sane regexes (the shipped kinds, and polynomial ones up to the fourth degree)', () => {
    for (const p of ['^\\s*(absence|absent)\\s*:', '\\p{L}{4,}.*\\p{L}{4,}.*\\p{L}{4,}', 'lingua|translat|traduc', '(\\s|\\S)*$', '\\b\\d{13}\\b', '\\s*\\s*\\s*x', '.*.*.*=.*']) {
      expect(regexProblem(p)).toBeNull();
    }
  });

  it('refuses an over-long regex', () => {
    expect(problems(rule(`{ text: { regex: ['${'a'.repeat(400)}'] } }`)).join()).toMatch(/trop longue/);
  });

  it('refuses an unknown destination in weight, force and copies', () => {
    expect(problems(rule('{ forms: [A1] }', '{ weight: { etudes: 1 } }')).join()).toMatch(/MY_RULE/);
    expect(problems(rule('{ forms: [A1] }', '{ force: comptabilite }')).join()).toMatch(/destination inconnue/);
    expect(problems(rule('{ forms: [A1] }', '{ copies: [nowhere] }')).join()).toMatch(/destination inconnue/);
  });

  it('refuses a lower-case name, an empty condition and an empty effect, listing all problems', () => {
    const text = `
rules:
  - { name: bad_name, description: Une règle, group: g, when: { forms: [A1] }, effect: { review: true } }
  - { name: EMPTY_WHEN, description: Une règle, group: g, when: {}, effect: { review: true } }
  - { name: EMPTY_EFFECT, description: Une règle, group: g, when: { forms: [A1] }, effect: {} }
`;
    const p = problems(text);
    expect(p.length).toBe(3);
    expect(p.join('\n')).toMatch(/bad_name/);
    expect(p.join('\n')).toMatch(/EMPTY_WHEN.*vide/);
    expect(p.join('\n')).toMatch(/EMPTY_EFFECT.*effect vide/);
  });

  it('refuses a bad date', () => {
    expect(problems(rule('{ received: { from: "1 juillet 2022" } }')).join()).toMatch(/date ISO/);
  });
});

describe('override layering', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-rules-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces a rule of the same name, disables with enabled: false, skips a missing override', () => {
    const base = path.join(dir, 'rules.yaml');
    fs.writeFileSync(base, GOOD + rule('{ forms: [A1] }').replace('rules:\n', ''));
    const local = path.join(dir, 'local.yaml');
    fs.writeFileSync(
      local,
      `rules:
  - name: TRANSLATION
    description: Traduction (version locale)
    group: linguistique
    when: { subject: { keywords: [Übersetzung] } }
    effect: { weight: { linguistique: 5 } }
  - { name: MY_RULE, enabled: false }
`,
    );
    const rs = loadRules([base, local]);
    expect(rs.rules.map((r) => r.name)).toEqual(['TRANSLATION']);
    expect(rs.rules[0]!.effect.weight).toEqual({ linguistique: 5 });
    expect(loadRules([base, path.join(dir, 'absent.yaml')]).rules).toHaveLength(2);
  });

  it('refuses a missing main file', () => {
    expect(() => loadRules([path.join(dir, 'nope.yaml')])).toThrow(/introuvable/);
  });
});

describe('RulesStore hot reload', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aig-store-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reloads a changed file and keeps the last good rules when the new file is broken', () => {
    const file = path.join(dir, 'rules.yaml');
    fs.writeFileSync(file, GOOD);
    const errors: Error[] = [];
    const store = new RulesStore([file], { onError: (e) => errors.push(e) });
    expect(store.current().rules[0]!.description).toBe('Demande de traduction');

    fs.writeFileSync(file, GOOD.replace('Demande de traduction', 'Demande de traduction (v2), plus longue'));
    expect(store.checkForChanges()).toBe(true);
    expect(store.current().rules[0]!.description).toMatch(/v2/);

    fs.writeFileSync(file, GOOD.replace('keywords: { fr: [traduction] }', () => "regex: ['(a+)+$']"));
    expect(store.checkForChanges()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/TRANSLATION.*catastrophique/s);
    expect(store.current().rules[0]!.description).toMatch(/v2/);
    expect(store.checkForChanges()).toBe(false); // unchanged broken file: not retried every tick
  });

  it('notices changes by polling when started', async () => {
    const file = path.join(dir, 'rules.yaml');
    fs.writeFileSync(file, GOOD);
    const reloaded = new Promise<number>((resolve) => {
      const store = new RulesStore([file], {
        intervalMs: 20,
        onReload: (rs) => {
          store.stop();
          resolve(rs.rules.length);
        },
      });
      store.start();
      setTimeout(() => fs.writeFileSync(file, GOOD + rule('{ forms: [A1] }').replace('rules:\n', '')), 30);
    });
    await expect(reloaded).resolves.toBe(2);
  });

  it('throws at construction when the first load fails', () => {
    const file = path.join(dir, 'rules.yaml');
    fs.writeFileSync(file, 'rules: [ { name: X } ]');
    expect(() => new RulesStore([file])).toThrow(RulesError);
  });
});
