import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildIndex, maskIdentifiers, type IndexOptions } from '../../../src/index/build-index';
import { loadSenderDirectory } from '../../../src/index/senders';
import { parseMessage } from '../../../src/parse/parse-message';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import type { ParsedMessage } from '../../../src/parse/types';

const root = path.join(__dirname, '../../..');
const senders = loadSenderDirectory(readFileSync(path.join(root, 'config/senders.yaml'), 'utf8'));
const opts: IndexOptions = { senders, scannerAddresses: ['Scanner@cleiss.fr'], maxTextChars: 200_000 };
const parseFile = (rel: string): Promise<ParsedMessage> =>
  parseMessage(readFileSync(path.join(root, 'test/fixtures', rel)), DEFAULT_PARSE_LIMITS);

describe('buildIndex', () => {
  it('indexes a German institution mail: sender, language, identifiers, thread', async () => {
    const rec = buildIndex(await parseFile('index/drv-request.eml'), opts);
    expect(rec.channel).toBe('courriel');
    expect(rec.sender).toEqual({
      address: 'auslandsrenten@drv-bund.de',
      name: 'Deutsche Rentenversicherung Bund',
      domain: 'drv-bund.de',
      organisation: 'Deutsche Rentenversicherung',
      kind: 'foreign-institution',
    });
    expect(rec.recipients).toEqual(['accueil@cleiss.fr', 'juriste@cleiss.fr']);
    expect(rec.language).toBe('de');
    expect(rec.identifiers.nir).toEqual(['185057800608491']);
    expect(rec.identifiers.siret).toEqual(['73282932000074']);
    expect(rec.identifiers.siren).toEqual([]);
    expect([...rec.identifiers.forms].sort()).toEqual(['A1', 'E205']);
    expect(rec.identifiers.senderRefs).toEqual(['65 170953']);
    expect([...rec.identifiers.countries].sort()).toEqual(['AT', 'DE']);
    expect(rec.thread).toEqual({ messageId: 'drv-77@drv-bund.de', inReplyTo: 'cleiss-12@cleiss.fr', references: ['cleiss-12@cleiss.fr'] });
    expect(rec.textAvailable).toBe(true);
    expect(rec.text.startsWith('Ihr Antrag auf Altersrente')).toBe(true);
  });

  it('includes PDF text in text and identifiers, lists attachments without content', async () => {
    const rec = buildIndex(await parseFile('parse/pdf-attachments.eml'), opts);
    expect(rec.text).toContain('Le certificat A1 sera délivré');
    expect(rec.identifiers.forms).toEqual(expect.arrayContaining(['S1', 'A1']));
    expect(rec.identifiers.senderRefs).toContain('CPAM-2024-0042');
    expect(rec.attachments.map((a) => [a.name, a.textStatus])).toEqual([
      ['courrier détaché.pdf', 'ok'],
      ['scan.pdf', 'no-text-layer'],
      ['logo.png', 'not-text'],
    ]);
    expect(Object.keys(rec.attachments[0]).sort()).toEqual(['name', 'sha256', 'size', 'textStatus', 'type']);
    expect(rec.sender.kind).toBe('french-institution');
    expect(rec.language).toBe('fr');
  });

  it("a scanner's mail is a 'courrier'; an image-only PDF leaves no usable text", async () => {
    const rec = buildIndex(await parseFile('parse/scan-only.eml'), opts);
    expect(rec.channel).toBe('courrier');
    expect(rec.sender.kind).toBe('other');
    expect(rec.textAvailable).toBe(false);
    expect(rec.attachments[0].textStatus).toBe('no-text-layer');
  });

  it('opts.channel forces courrier', async () => {
    const rec = buildIndex(await parseFile('parse/latin1-body.eml'), { ...opts, channel: 'courrier' });
    expect(rec.channel).toBe('courrier');
  });

  it('individual on webmail, French text from a latin1 body', async () => {
    const rec = buildIndex(await parseFile('parse/latin1-body.eml'), opts);
    expect(rec.sender.kind).toBe('individual');
    expect(rec.language).toBe('fr');
    expect(rec.identifiers.countries).toEqual(['DE']);
  });

  it('bounds text by maxTextChars', async () => {
    const rec = buildIndex(await parseFile('index/drv-request.eml'), { ...opts, maxTextChars: 50 });
    expect(rec.text).toHaveLength(50);
  });

  it('maskIdentifiers hides all but the last 4 characters of each NIR', async () => {
    const rec = buildIndex(await parseFile('index/drv-request.eml'), opts);
    const masked = maskIdentifiers(rec.identifiers);
    expect(masked.nir).toEqual(['***********8491']);
    expect(masked.siret).toEqual(rec.identifiers.siret);
    expect(rec.identifiers.nir).toEqual(['185057800608491']); // the input is not modified
  });
});
