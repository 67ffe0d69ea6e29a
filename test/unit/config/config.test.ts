import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { parseOrganisation, folderFor, loadOrganisation } from '../../../src/config/organisation';
import { ROOT_DIR } from '../../../src/config/load';

describe('configuration', () => {
  test('defaults load and env overrides apply to the first mailbox', () => {
    const cfg = loadConfig({ env: { IMAP_HOST: 'imap.example.org', IMAP_PORT: '993', IMAP_SECURE: 'true', IMAP_PASSWORD: 's3cret', REGISTER_PATH: '/tmp/r.sqlite', REDIS_URL: 'redis://10.0.0.1:6380' } });
    expect(cfg.mailboxes[0]).toMatchObject({ host: 'imap.example.org', port: 993, secure: true, password: 's3cret' });
    expect(cfg.register.path).toBe('/tmp/r.sqlite');
    expect(cfg.redis.url).toBe('redis://10.0.0.1:6380');
    expect(Object.isFrozen(cfg.limits)).toBe(true);
  });

  test('a wrong setting names the key and the problem', () => {
    expect(() => loadConfig({ env: { IMAP_PORT: 'abc' } })).toThrow(/IMAP_PORT: expected a port number/);
    expect(() => loadConfig({ env: {}, overrides: { limits: { maxAttachments: 0 } } })).toThrow(/limits\.maxAttachments/);
    expect(() => loadConfig({ env: {}, overrides: { worker: { concurency: 3 } } })).toThrow(/worker.*concurency/);
    expect(() => loadConfig({ env: { REDIS_URL: 'localhost:6379' } })).toThrow(/redis\.url: must start with redis:\/\//);
  });

  test('the password is required where the pipeline needs it', () => {
    expect(() => loadConfig({ env: {}, requirePassword: true })).toThrow(/mailboxes\.0\.passwordEnv: environment variable IMAP_PASSWORD is not set/);
  });

  test('a local file layers on top (AIGUILLAGE_CONFIG)', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aig-cfg-')), 'local.yaml');
    fs.writeFileSync(f, 'classify:\n  threshold: 0.75\n');
    expect(loadConfig({ env: { AIGUILLAGE_CONFIG: f } }).classify.threshold).toBe(0.75);
  });

  test('classify.destinationThresholds is optional, and checked per destination', () => {
    // Shipped off ({}: `threshold` for every destination); absent from a config file, the model's
    // recommendation would apply.
    expect(loadConfig({ env: {} }).classify.destinationThresholds).toEqual({});
    const ok = loadConfig({ env: {}, overrides: { classify: { destinationThresholds: { pcn: 0.7, linguistique: 0.65 } } } });
    expect(ok.classify.destinationThresholds).toEqual({ pcn: 0.7, linguistique: 0.65 });
    expect(loadConfig({ env: {}, overrides: { classify: { destinationThresholds: {} } } }).classify.destinationThresholds).toEqual({});
    expect(() => loadConfig({ env: {}, overrides: { classify: { destinationThresholds: { pcn: 1 } } } })).toThrow(/classify\.destinationThresholds\.pcn/);
    expect(() => loadConfig({ env: {}, overrides: { classify: { destinationThresholds: { pcn: 0 } } } })).toThrow(/classify\.destinationThresholds/);
    expect(() => loadConfig({ env: {}, overrides: { classify: { destinationThresholds: { dsi: 0.7 } } } })).toThrow(/classify\.destinationThresholds.*dsi/);
  });
});

describe('organisation', () => {
  test('shipped file has the five automatic destinations and the other units', () => {
    const org = loadOrganisation(path.join(ROOT_DIR, 'config', 'organisation.yaml'));
    expect(org.units.filter((u) => u.auto).map((u) => u.id).sort()).toEqual(['legislation', 'linguistique', 'pcn', 'prestations', 'secretariat']);
    expect(org.units.length).toBeGreaterThan(5);
    expect(folderFor(org.byId.get('pcn')!, 'Aiguillage', '.')).toBe('Aiguillage.pcn');
  });
  test('refuses a missing automatic destination or an extra automatic one', () => {
    expect(() => parseOrganisation('units:\n  - {id: secretariat, label: S, article: "3", auto: true}\n')).toThrow(/"legislation" is missing/);
    const five = ['secretariat', 'legislation', 'prestations', 'linguistique', 'pcn'].map((id) => `  - {id: ${id}, label: L, article: "3", auto: true}`).join('\n');
    expect(() => parseOrganisation(`units:\n${five}\n  - {id: dsi, label: D, article: "6", auto: true}\n`)).toThrow(/only the five fixed destinations/);
  });
});
