/**
 * fold() takes a table-driven path for Latin-1 text and the NFD path for the rest; both must give
 * what the definition gives (lower case, NFD, combining marks removed, ligatures and apostrophes
 * mapped). The oracle below is that definition, written out independently of src/classify/text.ts.
 */
import { fold, latin1Projection, compileKeywordSearch } from '../../../src/classify/text';
import { mulberry32 } from '../../../src/shared/prng';

const LIGATURES: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ı: 'i' };
function definition(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßæœøłđı]/g, (c) => LIGATURES[c]!)
    .replace(/[’‘`´ʼ]/g, "'");
}

const LATIN1 = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c));
/** Characters of mail that are not Latin-1: Polish, Czech, Turkish, Greek, Cyrillic, typography, an emoji. */
const OTHER = ['ś', 'ł', 'ą', 'Ł', 'č', 'ř', 'İ', 'ı', 'Σ', 'σ', 'ς', 'Ж', 'ж', '–', '—', '€', '’', '‘', 'ʼ', '…', '“', '”', '😀', 'ﬁ', '\u0301'];

function randomText(rand: () => number, alphabet: string[], length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
  return s;
}

describe('fold', () => {
  it('folds each of the 256 Latin-1 characters as the definition does', () => {
    const wrong = LATIN1.filter((c) => fold(c) !== definition(c)).map((c) => `U+${c.charCodeAt(0).toString(16)}`);
    expect(wrong).toEqual([]);
    // The table does fold: accents, case, ligature, apostrophes.
    expect(fold('À Ç É ß Æ ` ´ ÿ Ø')).toBe("a c e ss ae ' ' y o");
  });

  it('folds random Latin-1 texts and texts with other characters as the definition does', () => {
    const rand = mulberry32(20261127);
    const latin1Only = Array.from({ length: 2000 }, () => randomText(rand, LATIN1, 1 + Math.floor(rand() * 60)));
    const mixed = Array.from({ length: 2000 }, () => randomText(rand, [...LATIN1, ...OTHER, ...OTHER], 1 + Math.floor(rand() * 60)));
    for (const t of [...latin1Only, ...mixed]) expect(fold(t)).toBe(definition(t));
    // Words whose case depends on their neighbours (Greek final sigma) go through the NFD path whole.
    expect(fold('ΟΔΟΣ ΟΔΟΣ')).toBe(definition('ΟΔΟΣ ΟΔΟΣ'));
    expect(fold('Już wysłałem – 12 €')).toBe('juz wyslalem – 12 €');
  });
});

describe('latin1Projection', () => {
  it('replaces each UTF-16 unit outside Latin-1 by a space and keeps every other character and offset', () => {
    expect(latin1Projection('a–b €😀 é')).toBe('a b     é');
    expect(latin1Projection('déjà vu')).toBe('déjà vu');
    const rand = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const t = randomText(rand, [...LATIN1, ...OTHER], 1 + Math.floor(rand() * 40));
      const p = latin1Projection(t);
      expect(p.length).toBe(t.length);
      for (let j = 0; j < t.length; j++) expect(p.charCodeAt(j)).toBe(t.charCodeAt(j) > 0xff ? 0x20 : t.charCodeAt(j));
    }
  });

  it('is used for keyword searches whose keywords are all Latin-1', () => {
    expect(compileKeywordSearch(['traduction', 'übersetzung*', 'n° de dossier'])!.latin1).toBe(true);
    expect(compileKeywordSearch(['traduction', 'σύνταξη'])!.latin1).toBe(false);
  });

  it('a keyword search finds a match of the same offset and length in the projection of a text with other characters', () => {
    const search = compileKeywordSearch(['bon de commande', 'tradu*', 'i am out of the office', 'n° de dossier', '2011/24'])!;
    const texts = [
      'bon–de—commande', 'bon € de 😀 commande', 'x–tradu', 'tradu–ction', '–traductions–', 'i’m–out', 'i–am–out–of–the–office',
      'n°–de–dossier', '€2011/24€', 'ж2011/24', '2011/24ж', 'σbon de commande', 'bon de commandeσ', 'bon de – – commande', 'bon de —— commande',
    ].map(fold);
    let found = 0;
    for (const t of texts) {
      const a = search.re.exec(t);
      const b = search.re.exec(latin1Projection(t));
      expect(b === null ? null : [b.index, b[0].length]).toEqual(a === null ? null : [a.index, a[0].length]);
      if (a) found++;
    }
    // Both outcomes occur: matches across the other characters, and refusals (too many separators, a letter glued on).
    expect(found).toBeGreaterThanOrEqual(8);
    expect(found).toBeLessThan(texts.length);
  });
});
