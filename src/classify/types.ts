import type { IndexRecord } from '../index/types';

/** The five automatic destinations (fixed ids). Other units of the organisation are manual only. */
export const AUTO_DESTINATIONS = ['secretariat', 'legislation', 'prestations', 'linguistique', 'pcn'] as const;
export type Destination = (typeof AUTO_DESTINATIONS)[number];

export interface Reason {
  /** 'rule' a rule fired; 'model' words that weighed in the statistical model; 'thread' a reply
   *  followed its original; 'threshold' the confidence was too low; 'shadow' a shadow rule. */
  kind: 'rule' | 'model' | 'thread' | 'threshold' | 'shadow' | 'info';
  rule?: string; // UPPER_SNAKE rule name when kind is 'rule' or 'shadow'
  destination?: string;
  weight?: number;
  features?: string[]; // words/features that weighed most
  text: string; // plain language a supervisor can read (French)
}

export interface Decision {
  destination: Destination;
  status: 'routed' | 'to-review';
  confidence: number; // 0..1, calibrated
  reasons: Reason[];
  /** Best suggestions, best first (at least two when to-review). */
  suggestions: { destination: Destination; score: number }[];
  copies: string[];
  tags: string[];
}

export interface ClassifyInput {
  index: IndexRecord;
  receivedAt: Date;
  /** The final destination of the registered message this one replies to, if any. */
  threadDestination?: string | null;
}
