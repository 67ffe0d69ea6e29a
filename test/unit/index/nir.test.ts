import { extractNirs, isValidNir } from '../../../src/index/nir';

/** Independent key computation (BigInt), so the test does not reuse the code under test. */
function withKey(body13: string): string {
  const n = BigInt(body13.replace('2A', '19').replace('2B', '18'));
  const key = 97n - (n % 97n);
  return body13 + key.toString().padStart(2, '0');
}

const A = withKey('1850578006084'); // man born May 1985, dept 78
const B = withKey('2690299350123'); // woman born Feb 1969, dept 99 (born abroad)
const CORSICA_A = withKey('172052A004123');
const CORSICA_B = withKey('281102B120045');
const TEMP = withKey('7900399123456'); // NIA (temporary number)
const spaced = (n: string): string => `${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 10)} ${n.slice(10, 13)} ${n.slice(13)}`;

describe('NIR', () => {
  it('finds compact, spaced and dotted NIRs with a valid key', () => {
    const text = `NIR ${A}, n° sécu ${spaced(B)} et aussi ${spaced(A).replace(/ /g, '.')}.`;
    expect(extractNirs(text)).toEqual([A, B]);
  });

  it('handles Corsica 2A/2B (19/18 before the modulo) in either case', () => {
    expect(isValidNir(CORSICA_A)).toBe(true);
    expect(isValidNir(CORSICA_B)).toBe(true);
    expect(extractNirs(`numéro ${spaced(CORSICA_A).toLowerCase()} ok`)).toEqual([CORSICA_A]);
  });

  it('accepts temporary numbers (7/8) and refuses other first digits', () => {
    expect(isValidNir(TEMP)).toBe(true);
    expect(isValidNir(withKey('5850578006084'))).toBe(false);
    expect(isValidNir(withKey('0850578006084'))).toBe(false);
  });

  it('does not report a NIR whose key is wrong', () => {
    const wrong = A.slice(0, 13) + String((Number(A.slice(13)) % 97) + 1).padStart(2, '0');
    expect(extractNirs(`numéro ${wrong}`)).toEqual([]);
  });

  it('refuses an impossible month', () => {
    expect(isValidNir(withKey('1851578006084'))).toBe(false);
    expect(isValidNir(withKey('1850078006084'))).toBe(false);
  });

  it('ignores a NIR glued to other digits or letters', () => {
    expect(extractNirs(`9${A}`)).toEqual([]);
    expect(extractNirs(`${A}7`)).toEqual([]);
    expect(extractNirs(`X${A}`)).toEqual([]);
  });

  it('finds NIRs in German, Spanish and Polish sentences', () => {
    expect(extractNirs(`Sozialversicherungsnummer (Frankreich): ${spaced(A)}`)).toEqual([A]);
    expect(extractNirs(`número de la seguridad social francesa ${B}.`)).toEqual([B]);
    expect(extractNirs(`francuski numer ubezpieczenia: ${spaced(B)}`)).toEqual([B]);
  });
});
