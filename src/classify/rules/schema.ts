/**
 * The rules file schema (config/rules.yaml and its local override). Every object is strict:
 * a typo in a key ("keyword" for "keywords") must refuse the file, not silently match nothing.
 */
import { z } from 'zod';
import safeRegex from 'safe-regex2';
import { stripAccents } from '../text';
import { slowBacktracking } from './backtrack';
import { AUTO_DESTINATIONS } from '../types';

/** Longer patterns are refused: they are hard to review and can be slow even when "safe". */
export const MAX_REGEX_LENGTH = 300;
/** Star-height / repetition limit handed to safe-regex2. */
const SAFE_REGEX_REP_LIMIT = 25;

const SENDER_KINDS = [
  'individual',
  'employer',
  'lawyer',
  'french-institution',
  'foreign-institution',
  'eu-body',
  'contact-point',
  'translation-provider',
  'other',
] as const;
const TEXT_STATUSES = ['ok', 'no-text-layer', 'not-text', 'error'] as const;
const IDENTIFIER_KINDS = ['nir', 'siren', 'siret', 'caseRefs', 'senderRefs'] as const;

export const destinationSchema = z.enum(AUTO_DESTINATIONS, {
  error: (iss) => `destination inconnue ${JSON.stringify(iss.input)} (attendu : ${AUTO_DESTINATIONS.join(', ')})`,
});

/** Why a pattern is refused, or null when it is acceptable. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length > MAX_REGEX_LENGTH) return `regex trop longue (${pattern.length} > ${MAX_REGEX_LENGTH} caractères)`;
  let re: RegExp;
  try {
    re = new RegExp(stripAccents(pattern), 'iu');
  } catch (err) {
    return `regex invalide /${pattern}/: ${(err as Error).message}`;
  }
  if (!safeRegex(pattern, { limit: SAFE_REGEX_REP_LIMIT })) {
    return `regex /${pattern}/ refusée : risque de retour arrière catastrophique`;
  }
  const slow = slowBacktracking(re);
  if (slow) {
    const growth = slow.degree === null ? '' : `temps croissant comme la longueur à la puissance ${slow.degree.toFixed(1)}, `;
    return `regex /${pattern}/ refusée : retour arrière catastrophique mesuré (${growth}${Math.round(slow.ms)} ms sur le texte ${JSON.stringify(slow.text)})`;
  }
  return null;
}

const regexSchema = z.string().superRefine((p, ctx) => {
  const problem = regexProblem(p);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const LANG_KEY = /^([a-z]{2}|any)$/;
/** A list, or a map language -> list (the language key documents and reports which list hit). */
const perLanguage = <T extends z.ZodType>(item: T) =>
  z.union([
    z.array(item).min(1),
    z.record(z.string().regex(LANG_KEY, 'clé de langue attendue : code ISO 639-1 ou "any"'), z.array(item).min(1)),
  ]);

export const textMatchSchema = z.strictObject({
  keywords: perLanguage(z.string().min(1)).optional(),
  regex: perLanguage(regexSchema).optional(),
});

const isoDate = z.iso.date({ error: 'date ISO attendue (AAAA-MM-JJ)' });

export interface ConditionInput {
  all?: ConditionInput[];
  any?: ConditionInput[];
  not?: ConditionInput;
  senderAddress?: string[];
  senderDomain?: string[];
  senderKind?: (typeof SENDER_KINDS)[number][];
  recipient?: string[];
  /** Sender address, display name and known organisation, folded ("praguelingua.cz"). */
  sender?: z.infer<typeof textMatchSchema>;
  subject?: z.infer<typeof textMatchSchema>;
  text?: z.infer<typeof textMatchSchema>;
  attachmentName?: z.infer<typeof textMatchSchema>;
  language?: string[];
  anyLanguage?: string[];
  forms?: string[];
  identifiers?: (typeof IDENTIFIER_KINDS)[number][];
  countries?: string[];
  attachmentType?: string[];
  attachmentTextStatus?: (typeof TEXT_STATUSES)[number][];
  hasAttachments?: boolean;
  isReply?: boolean;
  hasInReplyTo?: boolean;
  received?: { from?: string; until?: string };
  textAvailable?: boolean;
  channel?: ('courriel' | 'courrier')[];
  bodyChars?: { min?: number; max?: number };
}

export const conditionSchema: z.ZodType<ConditionInput> = z.lazy(() =>
  z.strictObject({
    all: z.array(conditionSchema).min(1).optional(),
    any: z.array(conditionSchema).min(1).optional(),
    not: conditionSchema.optional(),
    senderAddress: z.array(z.string().min(3)).min(1).optional(),
    senderDomain: z.array(z.string().min(2)).min(1).optional(),
    senderKind: z.array(z.enum(SENDER_KINDS)).min(1).optional(),
    recipient: z.array(z.string().min(2)).min(1).optional(),
    sender: textMatchSchema.optional(),
    subject: textMatchSchema.optional(),
    text: textMatchSchema.optional(),
    attachmentName: textMatchSchema.optional(),
    language: z.array(z.string().regex(/^([a-z]{2}|und)$/)).min(1).optional(),
    anyLanguage: z.array(z.string().regex(/^[a-z]{2}$/)).min(1).optional(),
    forms: z.array(z.string().min(1)).min(1).optional(),
    identifiers: z.array(z.enum(IDENTIFIER_KINDS)).min(1).optional(),
    countries: z.array(z.string().regex(/^[A-Z]{2}$/)).min(1).optional(),
    attachmentType: z.array(z.string().min(1)).min(1).optional(),
    attachmentTextStatus: z.array(z.enum(TEXT_STATUSES)).min(1).optional(),
    hasAttachments: z.boolean().optional(),
    isReply: z.boolean().optional(),
    hasInReplyTo: z.boolean().optional(),
    received: z
      .strictObject({ from: isoDate.optional(), until: isoDate.optional() })
      .refine((r) => r.from !== undefined || r.until !== undefined, 'received : "from" ou "until" requis')
      .optional(),
    textAvailable: z.boolean().optional(),
    channel: z.array(z.enum(['courriel', 'courrier'])).min(1).optional(),
    bodyChars: z
      .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
      .optional(),
  }),
);

export const effectSchema = z
  .strictObject({
    /** Log-odds added to a destination's score (negative pushes away). */
    weight: z.partialRecord(destinationSchema, z.number().min(-20).max(20)).optional(),
    force: destinationSchema.optional(),
    /** Confidence reported for a forced destination. */
    confidence: z.number().gt(0).max(1).optional(),
    review: z.literal(true).optional(),
    tags: z.array(z.string().regex(/^[a-z0-9][a-z0-9:_-]*$/)).min(1).optional(),
    copies: z.array(destinationSchema).min(1).optional(),
  })
  .refine(
    (e) => e.weight !== undefined || e.force !== undefined || e.review || e.tags || e.copies,
    'effect vide : weight, force, review, tags ou copies attendu',
  );

export const ruleSchema = z.strictObject({
  name: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'nom en MAJUSCULES_SOULIGNEES attendu'),
  /** French text shown to supervisors when the rule fires. */
  description: z.string().min(5),
  group: z.string().min(1),
  enabled: z.boolean().default(true),
  shadow: z.boolean().default(false),
  /** Among forcing rules that fire, the highest priority wins (then file order). */
  priority: z.number().int().default(0),
  when: conditionSchema,
  effect: effectSchema,
});
export type RuleInput = z.infer<typeof ruleSchema>;

/** In an override file, `{ name, enabled: false }` alone disables a shipped rule. */
export const disableStubSchema = z.strictObject({ name: ruleSchema.shape.name, enabled: z.literal(false) });

export const rulesFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  rules: z.array(z.unknown()),
});
