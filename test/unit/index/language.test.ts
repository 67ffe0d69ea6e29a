import samples from '../../fixtures/index/language-samples.json';
import { detectLanguage, LANGUAGES } from '../../../src/index/language';

const cases = Object.entries(samples as Record<string, string[]>).flatMap(([lang, list]) => list.map((t) => [lang, t] as const));

describe('detectLanguage', () => {
  it('has 20 samples for each of the 9 languages', () => {
    for (const l of LANGUAGES) expect((samples as Record<string, string[]>)[l]).toHaveLength(20);
  });

  it('recognises at least 95% of the short sentences, and at least 18/20 per language', () => {
    const perLang = new Map<string, number>();
    const misses: string[] = [];
    for (const [lang, text] of cases) {
      const got = detectLanguage(text).language;
      if (got === lang) perLang.set(lang, (perLang.get(lang) ?? 0) + 1);
      else misses.push(`${lang}->${got}: ${text}`);
    }
    expect(misses.length / cases.length).toBeLessThanOrEqual(0.05);
    for (const l of LANGUAGES) expect(perLang.get(l) ?? 0).toBeGreaterThanOrEqual(18);
  });

  it('recognises a whole paragraph in each language', () => {
    for (const l of LANGUAGES) {
      const text = (samples as Record<string, string[]>)[l].join(' ');
      expect(detectLanguage(text)).toMatchObject({ language: l });
    }
  });

  it("returns 'und' for empty text or no letters", () => {
    expect(detectLanguage('')).toEqual({ language: 'und', languages: [] });
    expect(detectLanguage('   \n ')).toEqual({ language: 'und', languages: [] });
  });

  it('only ever answers one of the 9 languages or und', () => {
    for (const t of ['Здравствуйте, я пишу вам', '你好', 'Hyvää päivää, kirjoitan teille', '12345 !!!']) {
      const r = detectLanguage(t);
      expect([...LANGUAGES, 'und']).toContain(r.language);
      for (const l of r.languages) expect(LANGUAGES as readonly string[]).toContain(l);
    }
  });

  it('lists a second language for a bilingual mail, main first', () => {
    const fr = (samples as Record<string, string[]>).fr.slice(0, 8).join(' ');
    const en = (samples as Record<string, string[]>).en.slice(0, 6).join(' ');
    const r = detectLanguage(`${fr}\n\n${en}`);
    expect(r.language).toBe('fr');
    expect(r.languages).toContain('en');
  });
});
