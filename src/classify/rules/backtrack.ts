/**
 * A measured guard against regexes that backtrack exponentially, for the administrators' patterns.
 * safe-regex2 (schema.ts) refuses nested quantifiers such as (a+)+, but not an alternation whose
 * branches overlap under a quantifier: ( |\s)*x passes it, and takes over a second on 24 spaces and
 * for ever on a signature's row of spaces, which would freeze every triage worker (they reload the
 * rules). V8's linear-time fallback does not take case-insensitive or Unicode regexes, which ours
 * all are.
 *
 * So each pattern is also run on short texts made of one repeated piece (a space, a letter, a digit,
 * punctuation, an accented letter, a line break, and pairs of them) followed by a NUL, which makes a
 * search fail after consuming the repeats: the case where backtracking explodes. The texts grow one
 * character at a time, and what is judged is how the time grows with the length, not the time
 * itself, so the verdict does not depend on the machine's speed. Once a text takes a measurable time,
 * each later one ten times slower gives the growth's degree: ln(time ratio) / ln(length ratio). An
 * exponential pattern shows 9 or more at these lengths; a polynomial one its degree or less (a sane
 * pattern 1 to 4, most never measurable below 40 characters). Degree 7 or more is refused: far from
 * both, so that the same file is never accepted on one start and refused on the next. A polynomial
 * pattern of high degree (`\s*\s*\s*\s*\s*x`: 6) passes unless it takes HARD_LIMIT_MS on one probe
 * text; it can still be slow on a long row of spaces. Growing one character at a time stops a steep
 * pattern (8 branches: x8 a character) before a single run takes long.
 */

/** The pieces repeated to build a probe text. */
const PIECES = [' ', 'a', 'A', '1', '.', '-', '_', ',', "'", 'é', '\n', '\t', 'a ', 'a1', 'a.', 'a-', '1 ', '1.', 'ab', 'é '];
/** Probe texts go from MIN_CHARS to MAX_CHARS characters of repeats. */
const MIN_CHARS = 4;
const MAX_CHARS = 40;
/** A time from which growth is measured: well above the clock's resolution. */
const MEASURABLE_MS = 0.1;
/** The degree is estimated over a time ratio at least this large. */
const RATIO_FOR_DEGREE = 10;
/** Growth of this degree or more is refused. */
const MAX_DEGREE = 7;
/** A pattern this slow on a probe text of at most 40 characters is refused whatever its growth (and
 *  this bounds the probe's own time). */
const HARD_LIMIT_MS = 200;

export interface BacktrackFinding {
  /** The probe text (repeats and the final NUL). */
  text: string;
  /** The best of three runs on it. */
  ms: number;
  /** How its time grew with the length (null: refused for its time alone). */
  degree: number | null;
}

/** Best of three runs: a pause of the machine during one run does not count. */
function bestMs(re: RegExp, text: string): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    re.lastIndex = 0;
    const t0 = performance.now();
    re.exec(text);
    best = Math.min(best, performance.now() - t0);
    if (best < MEASURABLE_MS) break;
  }
  return best;
}

/** The probe text on which `re` shows catastrophic backtracking, or null. */
export function slowBacktracking(re: RegExp): BacktrackFinding | null {
  try {
    for (const piece of PIECES) {
      let from: { chars: number; ms: number } | null = null;
      for (let chars = MIN_CHARS; chars <= MAX_CHARS; chars++) {
        const text = `${piece.repeat(Math.ceil(chars / piece.length)).slice(0, chars)}\u0000`;
        const ms = bestMs(re, text);
        if (ms > HARD_LIMIT_MS) return { text, ms, degree: null };
        if (from === null) {
          if (ms >= MEASURABLE_MS) from = { chars, ms };
        } else if (ms >= RATIO_FOR_DEGREE * from.ms) {
          const degree = Math.log(ms / from.ms) / Math.log(chars / from.chars);
          if (degree >= MAX_DEGREE) return { text, ms, degree };
          from = { chars, ms };
        }
      }
    }
    return null;
  } finally {
    re.lastIndex = 0;
  }
}
