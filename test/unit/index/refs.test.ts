import { extractCaseRefs, extractSenderRefs } from '../../../src/index/refs';
import { extractNirSpans } from '../../../src/index/nir';

describe('sender references', () => {
  it.each([
    ['Vos réf. : ABC/2024/123', ['ABC/2024/123']],
    ['Votre référence : 2024 45678 merci', ['2024 45678']],
    ['N/Réf. : DRI-2024-77 — V/Réf : 55/12', ['DRI-2024-77', '55/12']],
    ['Our ref: HM-123456. Your ref 98765', ['HM-123456', '98765']],
    ['Unser Az.: 12 345 678 B', ['12 345 678']],
    ['Aktenzeichen 65 170953 M 012', ['65 170953']],
    ['Rif. INPS 2024/0099', ['INPS 2024/0099']],
    ['Ref.ª 123/24 de la Seguridad Social', ['123/24']],
    ['Nr ref. ZUS-77/2024', ['ZUS-77/2024']],
    ['Znak sprawy: ZUS/OW/2024/12', ['ZUS/OW/2024/12']],
    ['Ons kenmerk: 2024-1234', ['2024-1234']],
    ['Referința nr. 4455/2024', ['4455/2024']],
    ['Réf. : 2024-00157.', ['2024-00157']],
  ])('%s', (text, expected) => {
    expect(extractSenderRefs(text)).toEqual(expected);
  });

  it.each(['Référence dossier', 'Ihr Zeichen: abc', 'la référence 12 du texte', 'I prefer 123', 'reference books'])(
    'no reference in: %s',
    (text) => {
      expect(extractSenderRefs(text)).toEqual([]);
    },
  );

  it('does not report a NIR as a reference', () => {
    const text = 'Réf. : 1 85 05 78 006 084 91';
    expect(extractNirSpans(text)).toHaveLength(1);
    expect(extractSenderRefs(text, extractNirSpans(text))).toEqual([]);
  });
});

describe('EESSI case references', () => {
  it('finds labelled case numbers, with an institution country prefix', () => {
    expect(extractCaseRefs('EESSI case 1234567 and Case ID: 98765432')).toEqual(['1234567', '98765432']);
    expect(extractCaseRefs('RINA FR:123456789')).toEqual(['FR:123456789']);
    expect(extractCaseRefs('dossier EESSI n° 4455667')).toEqual(['4455667']);
  });

  it('ignores short numbers and unlabelled ones', () => {
    expect(extractCaseRefs('case 12 and 123456789')).toEqual([]);
  });
});
