/**
 * Text normalisation shared by the rule engine and the model: one accent- and case-folding pass
 * per message, so that "Übersetzung", "ubersetzung" and "UEBERSETZUNG" meet the same keyword.
 */

const COMBINING_MARKS = /[\u0300-\u036f]/g;

/** Letters that NFD does not decompose but that writers type either way. */
const SPECIAL: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ı: 'i' };
const SPECIAL_RE = /[ßæœøłđı]/g;
/** Typographic apostrophes become ASCII so "d’absence" meets the keyword "d'absence". */
const QUOTES_RE = /[’‘`´ʼ]/g;

/** Lower-case, strip accents, map ligatures; keeps length roughly stable (for excerpts). */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c)
    .replace(QUOTES_RE, "'");
}

/** Accents off, case kept: for regex sources, where case matters (`\\D` vs `\\d`, `\\p{L}`). */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '');
}

/** German writers without umlauts type "ue" for "ü": keywords are matched on both spellings. */
export function foldGermanDigraphs(folded: string): string {
  return folded.replace(/ae/g, 'a').replace(/oe/g, 'o').replace(/ue/g, 'u');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles a keyword list into one regex over folded text. A keyword matches at word boundaries;
 * a trailing `*` makes it a prefix ("tradu*" matches "traduction", "traduire"); inner spaces
 * match a short run of spaces/punctuation so "directive 2011/24" also matches "directive 2011 / 24".
 * ASCII `\b` rather than Unicode lookarounds: folded text is (nearly) ASCII, and irregexp runs
 * `\b`-anchored literal alternations several times faster — this is the hot path of the worker.
 */
export function compileKeywords(keywords: string[]): RegExp | null {
  const alternatives = [
    ...new Set(
      keywords
        .map((k) => fold(k).trim())
        .filter((k) => k.length > 0)
        .map((k) => {
          const prefix = k.endsWith('*');
          const core = prefix ? k.slice(0, -1) : k;
          const body = core
            .split(/\s+/)
            .map((part) => escapeRegex(part))
            .join('[^a-z0-9]{1,4}');
          const start = /^[a-z0-9]/.test(core) ? '\\b' : '';
          const end = prefix ? '[a-z0-9]*' : /[a-z0-9]$/.test(core) ? '\\b' : '';
          return `${start}${body}${end}`;
        }),
    ),
  ];
  if (alternatives.length === 0) return null;
  // Longest first so the reported match is the most specific keyword.
  alternatives.sort((a, b) => b.length - a.length);
  return new RegExp(factorByFirstLetter(alternatives));
}

/**
 * `\bfoo|\bbar|\bfig` → `\b(?:f(?:oo|ig)|b(?:ar))`: with a few hundred keywords in nine
 * languages, irregexp would otherwise try every alternative at every word start; dispatching on
 * the first letter keeps the keyword lists' cost nearly flat as they grow. At one position only
 * one first letter can match, and each group keeps the longest-first order, so the match found
 * is the same as with the flat alternation.
 */
function factorByFirstLetter(alternatives: string[]): string {
  const groups = new Map<string, string[]>();
  const other: string[] = [];
  for (const alt of alternatives) {
    const m = /^\\b([a-z0-9])/.exec(alt);
    if (!m) {
      other.push(alt);
      continue;
    }
    const rest = alt.slice(3);
    const g = groups.get(m[1]!);
    if (g) g.push(rest);
    else groups.set(m[1]!, [rest]);
  }
  const factored = [...groups].map(([c, rests]) => `${c}(?:${rests.join('|')})`);
  const parts = factored.length ? [`\\b(?:${factored.join('|')})`] : [];
  return `(?:${[...parts, ...other].join('|')})`;
}
