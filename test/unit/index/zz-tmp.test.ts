import { extractSenderRefs, extractCaseRefs } from '../../../src/index/refs';
import { extractNirSpans } from '../../../src/index/nir';
it('tmp', () => {
  const samples = [
    'Vos réf. : ABC/2024/123 Nos réf. : X-99', 'Votre référence : 2024 45678 merci', 'Our ref: HM-123456. Your ref 98765',
    'Az.: 12 345 678 B 901', 'Aktenzeichen 65 170953 M 012', 'Rif. INPS 2024/0099', 'Ref.ª 123/24', 'Nr ref. ZUS-77/2024', 'Ons kenmerk: 2024-1234',
    'Référence dossier', 'EESSI case 1234567 and Case ID: 98765432', 'RINA FR:123456789', 'ref 1 85 05 78 006 084 91', 'Réf. : 2024-00157.',
    'Ihr Zeichen: abc', 'Znak sprawy: ZUS/OW/2024/12', 'Referința nr. 4455/2024', 'la référence 12 du texte', 'prefer 123',
  ];
  for (const s of samples) console.log(JSON.stringify(s), '=>', JSON.stringify(extractSenderRefs(s, extractNirSpans(s))), JSON.stringify(extractCaseRefs(s)), JSON.stringify(extractNirSpans(s)));
});
