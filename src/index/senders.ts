/**
 * The sender directory (config/senders.yaml): which domains belong to which kind of sender
 * and organisation, and the signature words that reveal a kind. Loaded and compiled once at
 * start-up; lookups are Map hits over the domain's suffixes, never a YAML parse per message.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../shared/errors';
import type { SenderKind } from './types';
import { wordStartRegex } from './word-start';

const KINDS = [
  'individual', 'employer', 'lawyer', 'french-institution', 'foreign-institution', 'eu-body',
  'contact-point', 'translation-provider', 'other',
] as const satisfies readonly SenderKind[];

const DOMAIN_RE = /^(?:[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?\.)+[a-z*]{2,}$/;
const domain = z.string().trim().toLowerCase().regex(DOMAIN_RE, 'not a mail domain');

const schema = z.strictObject({
  version: z.literal(1).describe('format version of this file'),
  defaultCompanyKind: z.enum(KINDS).describe('kind of an unknown, non-webmail domain'),
  webmailDomains: z.array(domain).describe('free webmail domains: senders are private persons'),
  organisations: z
    .array(z.strictObject({ kind: z.enum(KINDS), name: z.string().min(1), domains: z.array(domain).min(1) }))
    .describe('known organisations, by domain'),
  signatureHints: z
    .partialRecord(z.enum(KINDS), z.array(z.string().trim().min(2)))
    .describe('words in display name, domain or signature that reveal a kind'),
});

export interface SenderMatch {
  kind: SenderKind;
  organisation: string;
}

export interface SenderDirectory {
  /** Exact domains, including parents matched by suffix walk. */
  readonly domains: ReadonlyMap<string, SenderMatch>;
  /** Domains with a "*" part, tried after the exact ones. */
  readonly patterns: readonly { re: RegExp; match: SenderMatch }[];
  readonly webmail: ReadonlySet<string>;
  /** `re` has no leading lookbehind: test it with testAtWordStart (word-start.ts). */
  readonly hints: readonly { kind: SenderKind; re: RegExp }[];
  readonly defaultCompanyKind: SenderKind;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One regex per kind: whole words (Unicode letters), case-insensitive. The word start is checked
 * by testAtWordStart, not by a leading lookbehind (see word-start.ts; measured on the bench mix's
 * messages as if from an unlisted domain, senderInfo: ~9.5 → ~3.4 µs).
 * @internal exported for tests (the plain regex is NO_WORD_CHAR_BEFORE + this, flags iu)
 */
export function hintBody(words: string[]): string {
  const alts = [...words].sort((a, b) => b.length - a.length).map((w) => escapeRe(w.toLowerCase()).replace(/ /g, '\\s+'));
  return `(?:${alts.join('|')})(?![\\p{L}\\p{N}])`;
}

export function loadSenderDirectory(yamlText: string): SenderDirectory {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (err) {
    throw new ConfigError(`senders.yaml: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`senders.yaml: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const cfg = result.data;
  const domains = new Map<string, SenderMatch>();
  const patterns: { re: RegExp; match: SenderMatch }[] = [];
  for (const org of cfg.organisations) {
    const match = Object.freeze({ kind: org.kind, organisation: org.name });
    for (const d of org.domains) {
      if (d.includes('*')) {
        patterns.push({ re: new RegExp(`(?:^|\\.)${escapeRe(d).replace(/\\\*/g, '[a-z0-9-]*')}$`), match });
      } else if (domains.has(d)) {
        throw new ConfigError(`senders.yaml: organisations: domain ${d} is listed twice`);
      } else {
        domains.set(d, match);
      }
    }
  }
  const hints = Object.entries(cfg.signatureHints)
    .filter((e): e is [SenderKind, string[]] => Array.isArray(e[1]) && e[1].length > 0)
    .map(([kind, words]) => ({ kind, re: wordStartRegex(hintBody(words), 'iu') }));
  return Object.freeze({
    domains,
    patterns: Object.freeze(patterns),
    webmail: new Set(cfg.webmailDomains),
    hints: Object.freeze(hints),
    defaultCompanyKind: cfg.defaultCompanyKind,
  });
}

/** Longest listed domain that is the domain itself or one of its parents; then patterns. */
export function lookupDomain(dir: SenderDirectory, domainName: string): SenderMatch | null {
  let d = domainName.toLowerCase();
  for (;;) {
    const hit = dir.domains.get(d);
    if (hit) return hit;
    const dot = d.indexOf('.');
    if (dot < 0) break;
    d = d.slice(dot + 1);
  }
  for (const p of dir.patterns) if (p.re.test(domainName)) return p.match;
  return null;
}

export function isWebmail(dir: SenderDirectory, domainName: string): boolean {
  return dir.webmail.has(domainName.toLowerCase());
}
