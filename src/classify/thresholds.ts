/**
 * Per-destination confidence thresholds. Out of fold, some destinations' predictions are far more
 * precise than others (linguistique and pcn rarely wrong; prestations/legislation vs secretariat
 * the usual confusions): one global threshold sends many correct predictions of the precise
 * destinations to review. A threshold per PREDICTED destination routes those while keeping the
 * global misroute rate under target. Pure functions: resolution and lookup only; the search that
 * chooses them from out-of-fold scores lives in model/destination-thresholds.ts.
 */
import { AUTO_DESTINATIONS, type Destination } from './types';

/** Threshold per predicted destination; a destination absent from the map uses the global one. */
export type DestinationThresholds = Partial<Record<Destination, number>>;

/** Where the thresholds in force come from, for the explanation and the logs. */
export type ThresholdSource = 'configuration' | 'model' | 'global';

export interface ResolvedThresholds {
  global: number;
  perDestination: DestinationThresholds;
  source: ThresholdSource;
}

/** Refuses anything that is not a number in (0, 1) for a known destination, naming it. */
export function checkDestinationThresholds(map: Record<string, unknown>, what: string): DestinationThresholds {
  const out: DestinationThresholds = {};
  for (const [d, v] of Object.entries(map)) {
    if (!(AUTO_DESTINATIONS as readonly string[]).includes(d)) throw new RangeError(`${what}: destination inconnue "${d}"`);
    if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new RangeError(`${what}.${d}: nombre dans ]0, 1[ attendu, pas ${String(v)}`);
    out[d as Destination] = v;
  }
  return out;
}

/**
 * The thresholds in force: the configuration's map when given (even empty: `{}` switches the
 * per-destination thresholds off), else the model file's recommendation, else the global
 * threshold alone. The configuration replaces the recommendation as a whole rather than merging
 * with it: what an administrator wrote is what applies.
 */
export function resolveThresholds(global: number, configured: DestinationThresholds | undefined, recommended: DestinationThresholds | undefined): ResolvedThresholds {
  if (configured !== undefined) return { global, perDestination: { ...configured }, source: 'configuration' };
  if (recommended !== undefined && Object.keys(recommended).length > 0) return { global, perDestination: { ...recommended }, source: 'model' };
  return { global, perDestination: {}, source: 'global' };
}

/** The threshold that applies to a message whose best destination is `d`. */
export function thresholdFor(t: ResolvedThresholds, d: Destination): number {
  return t.perDestination[d] ?? t.global;
}

/** Routed automatically when the best destination's own threshold and the margin are met. */
export function isConfident(t: ResolvedThresholds, best: Destination, p: number, gap: number, margin: number): boolean {
  return p >= thresholdFor(t, best) && gap >= margin;
}
