import { extractCountries } from '../../../src/index/countries';

const sorted = (a: string[]): string[] => [...a].sort();

describe('countries', () => {
  it.each([
    ['fr', "J'ai travaillé en Allemagne puis en Espagne", ['DE', 'ES']],
    ['fr adjective', 'mon employeur allemand et la caisse italienne', ['DE', 'IT']],
    ['fr accents dropped', 'je vis au Senegal et en Cote d Ivoire', ['SN', 'CI']],
    ['en', 'I moved from the United Kingdom to Switzerland', ['GB', 'CH']],
    ['de', 'Ich wohne in Österreich und arbeite in den Niederlanden', ['AT', 'NL']],
    ['de 2', 'Wohnsitz in Österreich, Arbeit in der Schweiz und in Polen', ['AT', 'CH', 'PL']],
    ['es', 'Trabajé en Marruecos y en Estados Unidos', ['MA', 'US']],
    ['it', 'Ho lavorato in Svizzera e in Belgio', ['CH', 'BE']],
    ['pt', 'Vivo em Portugal e trabalhei no Brasil', ['PT', 'BR']],
    ['pl locative', 'Mieszkam w Polsce, pracowałem w Niemczech i we Włoszech', ['PL', 'DE', 'IT']],
    ['pl nominative', 'Polska i Niemcy', ['PL', 'DE']],
    ['nl', 'Ik woon in België en werk in Luxemburg', ['BE', 'LU']],
    ['ro', 'Am lucrat în România și în Italia', ['RO', 'IT']],
    ['bilateral', 'Algérie, Tunisie, Japon, Corée du Sud, Québec, Cap-Vert, Bosnie-Herzégovine', ['DZ', 'TN', 'JP', 'KR', 'CA-QC', 'CV', 'BA']],
    ['longest name first', 'Irlande du Nord', ['GB']],
  ])('%s', (_label, text, expected) => {
    expect(sorted(extractCountries(text))).toEqual(sorted(expected));
  });

  it('France itself is not reported', () => {
    expect(extractCountries('Je vis en France, Frankreich, Francia')).toEqual([]);
  });

  it('common words are not countries unless capitalised', () => {
    expect(extractCountries('we ate turkey with chili, mali ludzie, an island, polish the shoes')).toEqual([]);
    expect(extractCountries('Turkey, Chili, Mali')).toEqual(['TR', 'CL', 'ML']);
  });

  it('"UK" only in capitals', () => {
    expect(extractCountries('uk')).toEqual([]);
    expect(extractCountries('moved to the UK')).toEqual(['GB']);
  });
});
