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
 * search fail after consuming the repeats: the case where backtracking explodes. The texts grow two
 * characters at a time, and what is judged is how the time grows, not the time itself, so the verdict
 * does not depend on the machine's speed: a sane pattern's time grows with the length or its square;
 * an exponential one's is multiplied by 4 or more with every two characters.
 */

/** The pieces repeated to build a probe text. */
const PIECES = [' ', 'a', 'A', '1', '.', '-', '_', ',', "'", 'é', '\n', '\t', 'a ', 'a1', 'a.', 'a-', '1 ', '1.', 'ab', 'é '];
/** Probe texts go from MIN_CHARS to MAX_CHARS characters of repeats, STEP at a time. */
const MIN_CHARS = 4;
const MAX_CHARS = 40;
const STEP = 2;
/** Times under this are too close to the clock's resolution to compare. */
const MEASURABLE_MS = 0.05;
/** From one text to the next, two characters longer: growth at least this large, twice running, is
 *  exponential (a quadratic pattern grows by 1.2-1.5 at these lengths). */
const EXPONENTIAL_GROWTH = 2.5;
/** A pattern this slow on a probe text is refused whatever its growth (a high-degree polynomial). */
export const HARD_LIMIT_MS = 50;

export interface BacktrackFinding {
  /** The probe text (repeats and the final NUL). */
  text: string;
  /** The best of three runs on it. */
  ms: number;
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

/** The probe text on which `re` shows exponential (or prohibitive) backtracking, or null. */
export function slowBacktracking(re: RegExp): BacktrackFinding | null {
  try {
    for (const piece of PIECES) {
      let previous = 0;
      let growths = 0;
      for (let chars = MIN_CHARS; chars <= MAX_CHARS; chars += STEP) {
        const text = `${piece.repeat(Math.ceil(chars / piece.length)).slice(0, chars)}\u0000`;
        const ms = bestMs(re, text);
        if (ms > HARD_LIMIT_MS) return { text, ms };
        growths = previous >= MEASURABLE_MS && ms >= EXPONENTIAL_GROWTH * previous ? growths + 1 : 0;
        if (growths >= 2) return { text, ms };
        previous = ms;
      }
    }
    return null;
  } finally {
    re.lastIndex = 0;
  }
}
