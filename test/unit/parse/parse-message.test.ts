import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseMessage } from '../../../src/parse/parse-message';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import { PermanentError } from '../../../src/shared/errors';

const fixture = (name: string): Buffer => readFileSync(path.join(__dirname, '../../fixtures/parse', name));
const parse = (name: string) => parseMessage(fixture(name), DEFAULT_PARSE_LIMITS);

describe('parseMessage: headers and bodies', () => {
  it('decodes RFC 2047 names and subjects, flattens groups, lower-cases addresses', async () => {
    const m = await parse('utf8-alternative.eml');
    expect(m.from).toEqual({ address: 'elodie.clement@gmail.com', name: 'Élodée Clément' });
    expect(m.subject).toBe('Retraite en Espagne : pièces à fournir');
    expect(m.to.map((a) => a.address)).toEqual(['accueil@cleiss.fr', 'a@x.fr', 'b@y.fr']);
    expect(m.to[0].name).toBe('CLEISS Accueil');
    expect(m.cc).toEqual([{ address: 'juriste@cleiss.fr', name: '' }]);
    expect(m.date?.toISOString()).toBe('2024-03-14T15:45:10.000Z');
  });

  it('strips angle brackets from Message-ID, In-Reply-To and folded References', async () => {
    const m = await parse('utf8-alternative.eml');
    expect(m.messageId).toBe('CAF+abc123@mail.gmail.com');
    expect(m.inReplyTo).toBe('prev-9@cleiss.fr');
    expect(m.references).toEqual(['root-1@cleiss.fr', 'prev-9@cleiss.fr']);
  });

  it('prefers text/plain in multipart/alternative and keeps the raw HTML apart', async () => {
    const m = await parse('utf8-alternative.eml');
    expect(m.text).toContain('j’ai travaillé à Madrid de 1990 à 2010');
    expect(m.html).toContain('<p>');
    expect(m.attachments).toEqual([]);
  });

  it('converts an HTML-only body to text, without scripts or styles', async () => {
    const m = await parse('html-only.eml');
    expect(m.text).toMatch(/Labour mobility report\s2024/i);
    expect(m.text).not.toMatch(/alert|color/);
  });

  it('decodes an ISO-8859-1 body and RFC 2047 ISO-8859-1 words', async () => {
    const m = await parse('latin1-body.eml');
    expect(m.from?.name).toBe('André Lévêque');
    expect(m.subject).toBe('François demande une attestation de séjour');
    expect(m.text).toContain('je suis né à Besançon');
    expect(m.text).toContain('Où dois-je');
    expect(m.text).toContain('Ça me serait très utile');
  });

  it('decodes windows-1252 bytes that ISO-8859-1 lacks (€ ’ – œ)', async () => {
    const m = await parse('cp1252-body.eml');
    expect(m.subject).toBe('Dossier « Müller » – coût 50 €');
    expect(m.text).toContain('Maître, l’œuvre coûte 50 € – « référence »');
    expect(m.inReplyTo).toBe('orig-1@cleiss.fr');
    expect(m.references).toEqual(['root-1@cleiss.fr', 'orig-1@cleiss.fr']);
  });

  it('gives null/empty values for absent headers', async () => {
    const m = await parse('minimal.eml');
    expect(m).toMatchObject({ messageId: null, inReplyTo: null, references: [], from: null, to: [], cc: [], date: null });
    expect(m.subject).toBe('no date, no id');
    expect(m.text.trim()).toBe('body only');
  });

  it('gives the source size and counts top-level header lines', async () => {
    const raw = fixture('utf8-alternative.eml');
    const m = await parseMessage(raw, DEFAULT_PARSE_LIMITS);
    expect(m.size).toBe(raw.length);
    expect(m.headerLines).toBe(10); // References is folded on two lines but is one header
  });
});

describe('parseMessage: attachments', () => {
  it('reads a PDF text layer, reports a scanned PDF, decodes an RFC 2231 filename', async () => {
    const m = await parse('pdf-attachments.eml');
    expect(m.subject).toBe('Demande de formulaire S1 – détachement');
    const [doc, scan, logo] = m.attachments;
    expect(doc.filename).toBe('courrier détaché.pdf');
    expect(doc.contentType).toBe('application/pdf');
    expect(doc.textStatus).toBe('ok');
    expect(doc.text).toContain('Le certificat A1 sera délivré');
    expect(doc.sha256).toBe(createHash('sha256').update(doc.content).digest('hex'));
    expect(doc.size).toBe(doc.content.length);
    expect(scan).toMatchObject({ filename: 'scan.pdf', textStatus: 'no-text-layer', text: null });
    expect(logo).toMatchObject({ filename: 'logo.png', contentType: 'image/png', textStatus: 'not-text', text: null });
  });

  it('keeps a text/plain attachment as text, decoded from its charset', async () => {
    const raw = Buffer.concat([
      Buffer.from('From: a@b.fr\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n'),
      Buffer.from('Content-Type: text/plain\r\n\r\nbody\r\n--zz\r\n'),
      Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Disposition: attachment; filename="note.txt"\r\n\r\n'),
      Buffer.from('Décision de la caisse\r\n', 'latin1'),
      Buffer.from('--zz--\r\n'),
    ]);
    const m = await parseMessage(raw, DEFAULT_PARSE_LIMITS);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'note.txt', textStatus: 'ok' });
    expect(m.attachments[0].text).toContain('Décision de la caisse');
  });
});

describe('parseMessage: not a mail', () => {
  const cases: [string, Buffer][] = [
    ['plain prose without a header', fixture('not-a-mail.txt')],
    ['prose whose first line has a colon', fixture('prose-with-colon.txt')],
    ['a PDF file', fixture('pdf/text-fr.pdf')],
    ['random binary bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256))],
    ['an empty buffer', Buffer.alloc(0)],
  ];
  it.each(cases)('refuses %s with a PermanentError AIG_ERR_PARSE', async (_label, raw) => {
    await expect(parseMessage(raw, DEFAULT_PARSE_LIMITS)).rejects.toMatchObject({
      constructor: PermanentError,
      code: 'AIG_ERR_PARSE',
    });
  });

  it('accepts an mbox "From " line and a BOM before the headers', async () => {
    const raw = Buffer.from('\ufeffFrom someone@x.fr Mon Mar 11 10:00:00 2024\nFrom: someone@x.fr\nSubject: ok\n\nhi\n');
    const m = await parseMessage(raw, DEFAULT_PARSE_LIMITS);
    expect(m.from?.address).toBe('someone@x.fr');
  });
});
