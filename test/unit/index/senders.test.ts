import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isWebmail, loadSenderDirectory, lookupDomain } from '../../../src/index/senders';
import { senderInfo } from '../../../src/index/sender-kind';
import { ConfigError } from '../../../src/shared/errors';

const yamlText = readFileSync(path.join(__dirname, '../../../config/senders.yaml'), 'utf8');
const dir = loadSenderDirectory(yamlText);

describe('loadSenderDirectory (config/senders.yaml)', () => {
  it('matches listed domains, their subdomains and "*" patterns; longest domain wins', () => {
    expect(lookupDomain(dir, 'urssaf.fr')).toEqual({ kind: 'french-institution', organisation: 'URSSAF' });
    expect(lookupDomain(dir, 'mail.URSSAF.fr')?.organisation).toBe('URSSAF');
    expect(lookupDomain(dir, 'cpam-paris.fr')?.kind).toBe('french-institution');
    expect(lookupDomain(dir, 'ela.europa.eu')?.organisation).toBe('European Labour Authority');
    expect(lookupDomain(dir, 'other.europa.eu')?.organisation).toBe('European Union institutions');
    expect(lookupDomain(dir, 'impots.gouv.fr')?.organisation).toBe('Direction générale des finances publiques');
    expect(lookupDomain(dir, 'travail.gouv.fr')?.organisation).toBe('Administration (gouv.fr)');
    expect(lookupDomain(dir, 'notgouv.fr')).toBeNull();
    expect(lookupDomain(dir, 'deutsche-rentenversicherung.de')?.kind).toBe('foreign-institution');
    expect(isWebmail(dir, 'GMAIL.com')).toBe(true);
  });

  it.each([
    ['not YAML', 'version: [1'],
    ['wrong version', yamlText.replace('version: 1', 'version: 2')],
    ['unknown kind', yamlText.replace('kind: eu-body', 'kind: eu-agency')],
    ['bad domain', yamlText.replace('ameli.fr', 'ameli fr')],
    ['unknown key', `${yamlText}\nextra: 1\n`],
    ['duplicate domain', yamlText.replace('[urssaf.fr, urssaf.org]', '[urssaf.fr, ameli.fr]')],
  ])('refuses %s with a ConfigError', (_label, text) => {
    expect(() => loadSenderDirectory(text)).toThrow(ConfigError);
  });

  it('names the faulty key', () => {
    expect(() => loadSenderDirectory(yamlText.replace('defaultCompanyKind: employer', 'defaultCompanyKind: boss'))).toThrow(
      /defaultCompanyKind/,
    );
  });
});

describe('senderInfo', () => {
  it('directory first, with the organisation name', () => {
    expect(senderInfo(dir, 'x@inps.it', 'Mario Rossi', '', false)).toEqual({ kind: 'foreign-institution', organisation: 'INPS' });
  });

  it('a webmail sender is an individual, unless the signature says lawyer', () => {
    expect(senderInfo(dir, 'jean@gmail.com', 'Jean', 'Bonjour\nJean', false).kind).toBe('individual');
    expect(senderInfo(dir, 'me.dupont@gmail.com', 'Paul Dupont', 'Cordialement,\nPaul Dupont\nAvocat au barreau de Lyon', false).kind).toBe('lawyer');
  });

  it('hints in the domain or display name: lawyers, translators', () => {
    expect(senderInfo(dir, 'contact@dupont-avocats.fr', '', '', false).kind).toBe('lawyer');
    expect(senderInfo(dir, 'info@kanzlei-weber.de', 'Kanzlei Weber', '', false).kind).toBe('lawyer');
    expect(senderInfo(dir, 'devis@alpha-traductions.fr', '', '', false).kind).toBe('translation-provider');
  });

  it('a lawyer mentioned early in the body does not make the writer one', () => {
    const body = `Mon avocat m'a conseillé de vous écrire.\n${'Texte. '.repeat(200)}\nJean`;
    expect(senderInfo(dir, 'jean@orange.fr', 'Jean', body, false).kind).toBe('individual');
  });

  it('an unknown company domain gets the default kind; HR signature → employer', () => {
    expect(senderInfo(dir, 'rh@acme-industrie.fr', 'ACME', '', false)).toEqual({ kind: 'employer', organisation: '' });
    expect(senderInfo(dir, 'paie@yahoo.fr', '', 'Service paie\nACME', false).kind).toBe('employer');
  });

  it("scanned letters and addresses without domain are 'other'", () => {
    expect(senderInfo(dir, 'scanner@cleiss.fr', '', '', true).kind).toBe('other');
    expect(senderInfo(dir, 'nobody', '', '', false).kind).toBe('other');
  });
});
