import { extractSirenSiret, isValidSiret, luhnValid } from '../../../src/index/siren';
import { extractNirSpans } from '../../../src/index/nir';

/** Independent Luhn completion: the check digit that makes `partial + d` valid. */
function luhnComplete(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = partial + d;
    let sum = 0;
    [...s].reverse().forEach((c, i) => {
      let v = Number(c) * (i % 2 === 1 ? 2 : 1);
      if (v > 9) v -= 9;
      sum += v;
    });
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

const SIREN = luhnComplete('73282932'); // 9 digits
const SIRET = luhnComplete(`${SIREN}0004`); // 14 digits
const bad = (n: string): string => n.slice(0, -1) + String((Number(n.slice(-1)) + 1) % 10);

describe('SIREN / SIRET', () => {
  it('finds Luhn-valid numbers, compact and grouped', () => {
    const g = `${SIREN.slice(0, 3)} ${SIREN.slice(3, 6)} ${SIREN.slice(6)}`;
    expect(extractSirenSiret(`SIREN : ${g}`)).toEqual({ siren: [SIREN], siret: [] });
    expect(extractSirenSiret(`SIRET ${SIRET}.`)).toEqual({ siren: [], siret: [SIRET] });
    expect(extractSirenSiret(`SIRET ${g} ${SIRET.slice(9)}`)).toEqual({ siren: [], siret: [SIRET] });
  });

  it('refuses numbers that fail Luhn', () => {
    expect(luhnValid(bad(SIREN))).toBe(false);
    expect(extractSirenSiret(`SIREN ${bad(SIREN)} SIRET ${bad(SIRET)}`)).toEqual({ siren: [], siret: [] });
  });

  it('accepts La Poste SIRETs (digit sum multiple of 5) and refuses others of that SIREN', () => {
    expect(isValidSiret('35600000000001')).toBe(true); // digit sum 15
    expect(isValidSiret('35600000000002')).toBe(false); // digit sum 16
    expect(extractSirenSiret('Bureau de poste, SIRET 356 000 000 00001')).toEqual({ siren: [], siret: ['35600000000001'] });
  });

  it('does not report phone numbers, IBANs, or digits glued to longer numbers', () => {
    const text = [
      'Tél. 01 23 45 67 89', '+33 6 12 34 56 78', `IBAN FR76 3000 6000 01${SIREN} 189`,
      `FR76${SIRET}01`, `ref 1${SIREN}`, `${SIREN}12`,
    ].join('\n');
    expect(extractSirenSiret(text)).toEqual({ siren: [], siret: [] });
  });

  it('does not report the digits of a NIR as a SIREN/SIRET', () => {
    // A 15-digit NIR contains many 9- and 14-digit windows; none may come out.
    const nir = '185057800608491';
    const text = `NIR ${nir} fin`;
    expect(extractSirenSiret(text, extractNirSpans(text))).toEqual({ siren: [], siret: [] });
  });
});
