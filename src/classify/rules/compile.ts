/**
 * Turns a validated condition into a matcher function. All regexes are compiled here, once, at
 * load time; matching a message is then allocation-light.
 */
import { compileKeywordSearch, KeywordFilter, latin1Projection, stripAccents, type KeywordSearch } from '../text';
import type { ConditionInput } from './schema';
import type { MessageView } from './view';

/** Returns true when the condition holds; pushes short French evidence ("« traduction »"). */
export type Matcher = (v: MessageView, evidence: string[]) => boolean;

type TextMatch = NonNullable<ConditionInput['text']>;
type Field = 'subject' | 'text' | 'attachmentNames' | 'sender';

function lists(spec: string[] | Record<string, string[]>): [string, string[]][] {
  return Array.isArray(spec) ? [['any', spec]] : Object.entries(spec);
}

/** "Übersetzung" is also typed "Uebersetzung": add the digraph spelling of umlauted keywords.
 *  @internal exported for tests (test/unit/classify/keyword-filter.test.ts) */
export function withDigraphs(words: string[]): string[] {
  const out = [...words];
  for (const w of words) {
    if (/[äöü]/i.test(w)) out.push(w.replace(/ä/gi, 'ae').replace(/ö/gi, 'oe').replace(/ü/gi, 'ue'));
  }
  return out;
}

/** A regex and its id in `keywordFilter` (which tells, per message, whether it can match). */
interface Search {
  re: RegExp;
  id: number;
  /** Run on the field's latin1Projection (same matches, one-byte subject): keyword searches. */
  latin1: boolean;
}

/** Shared lists (YAML anchors) compile to one RegExp, so a message is searched once per list. */
const regexCache = new Map<string, Search>();
/** Every search compiled, rule reloads included (like regexCache: the rule files are small). */
const keywordFilter = new KeywordFilter();
function cached(key: string, make: () => KeywordSearch | null): Search | null {
  let search = regexCache.get(key);
  if (!search) {
    const made = make();
    if (!made) return null;
    regexCache.set(key, (search = { re: made.re, id: keywordFilter.add(made), latin1: made.latin1 }));
    precompile(made.re, made.latin1);
  }
  return search;
}

/**
 * V8 compiles a regex when it first runs it, once for one-byte and once for two-byte subjects: up to
 * ~8 ms for a large keyword alternation, which the first messages after a start or a rule reload
 * would pay. One run on a subject of each kind the search will see compiles it here, at load time;
 * the subject is long enough (V8: 1,000 characters) to go straight to machine code instead of
 * first to bytecode, which a later run would compile again. It is NUL characters, which no letter,
 * digit, space or punctuation class matches: an administrator's regex that backtracks badly on
 * some text (safe-regex2 does not catch every such pattern) is not given its worst case here.
 */
const WARM_ONE_BYTE = '\0'.repeat(1000);
const WARM_TWO_BYTE = `${WARM_ONE_BYTE}\u0101`;
function precompile(re: RegExp, oneByteOnly: boolean): void {
  re.exec(WARM_ONE_BYTE);
  if (!oneByteOnly) re.exec(WARM_TWO_BYTE);
  re.lastIndex = 0;
}

function textMatcher(field: Field, spec: TextMatch, label: string): Matcher {
  const searches: Search[] = [];
  if (spec.keywords) {
    // The language keys document the lists; all of them compile into ONE alternation, so a
    // message is scanned once per keyword set rather than once per language (hot path).
    const words = lists(spec.keywords).flatMap(([, w]) => w);
    const s = cached(`k:${JSON.stringify(words)}`, () => compileKeywordSearch(withDigraphs(words)));
    if (s) searches.push(s);
  }
  if (spec.regex) {
    for (const [, patterns] of lists(spec.regex)) {
      // A free regex has no required words (KeywordFilter): it always runs.
      for (const p of patterns) searches.push(cached(`r:${p}`, () => ({ re: new RegExp(stripAccents(p), 'iu'), words: null, prefixes: [], latin1: false }))!);
    }
  }
  return (v, ev) => {
    for (const s of searches) {
      const hit = search(v, field, s);
      if (hit !== null) {
        ev.push(`${label} « ${hit} »`);
        return true;
      }
    }
    return false;
  };
}

/**
 * One search per (field, regex) per message, whichever rules ask; a regex that the field's words
 * rule out (KeywordFilter) is not run.
 */
function search(v: MessageView, field: Field, s: Search): string | null {
  let memo = v.memo.get(field);
  if (!memo) v.memo.set(field, (memo = new Map()));
  let hit = memo.get(s.re);
  if (hit === undefined) {
    const m = mayMatch(v, field, s.id) ? s.re.exec(s.latin1 ? projected(v, field) : v[field]) : null;
    hit = m ? quote(v.original[field], v[field], m.index, m[0].length) : null;
    memo.set(s.re, hit);
  }
  return hit;
}

function projected(v: MessageView, field: Field): string {
  let p = v.latin1.get(field);
  if (p === undefined) v.latin1.set(field, (p = latin1Projection(v[field])));
  return p;
}

function mayMatch(v: MessageView, field: Field, id: number): boolean {
  let words = v.keywordWords.get(field);
  if (!words) v.keywordWords.set(field, (words = keywordFilter.wordsIn(v[field])));
  return keywordFilter.mayMatch(id, words, v[field]);
}

/** The matched words as written (accents kept) when folding kept the text's length. */
function quote(original: string, folded: string, at: number, length: number): string {
  const cut = original.length === folded.length ? original.slice(at, at + length) : folded.slice(at, at + length);
  return cut.trim().slice(0, 40);
}

function domainMatches(domain: string, wanted: string): boolean {
  return domain === wanted || domain.endsWith(`.${wanted}`);
}

function setMatcher(values: string[], get: (v: MessageView) => Iterable<string> | string, label: string): Matcher {
  const wanted = new Set(values);
  return (v, ev) => {
    const got = get(v);
    const items = typeof got === 'string' ? [got] : got;
    for (const item of items) {
      if (wanted.has(item)) {
        ev.push(`${label} ${item}`);
        return true;
      }
    }
    return false;
  };
}

function dateMatcher(r: { from?: string; until?: string }): Matcher {
  // Dates are Paris calendar days; midnight UTC is close enough for a 1 July switch-over and
  // keeps the rule reproducible whatever the server's time zone.
  const from = r.from ? Date.parse(`${r.from}T00:00:00Z`) : -Infinity;
  const until = r.until ? Date.parse(`${r.until}T00:00:00Z`) : Infinity;
  return (v) => v.receivedAt >= from && v.receivedAt < until;
}

function leafMatchers(c: ConditionInput): Matcher[] {
  const m: Matcher[] = [];
  if (c.senderAddress) m.push(setMatcher(c.senderAddress.map((a) => a.toLowerCase()), (v) => v.senderAddress, 'expéditeur'));
  if (c.senderDomain) {
    const doms = c.senderDomain.map((d) => d.toLowerCase().replace(/^@/, ''));
    m.push((v, ev) => {
      const hit = doms.find((d) => domainMatches(v.senderDomain, d));
      if (hit) ev.push(`domaine ${hit}`);
      return hit !== undefined;
    });
  }
  if (c.senderKind) m.push(setMatcher(c.senderKind, (v) => v.senderKind, 'expéditeur de type'));
  if (c.recipient) {
    const wanted = c.recipient.map((r) => r.toLowerCase());
    m.push((v) => v.recipients.some((r) => wanted.some((w) => r === w || domainMatches(r.split('@')[1] ?? '', w))));
  }
  if (c.sender) m.push(textMatcher('sender', c.sender, 'expéditeur'));
  if (c.subject) m.push(textMatcher('subject', c.subject, 'objet'));
  if (c.text) m.push(textMatcher('text', c.text, 'texte'));
  if (c.attachmentName) m.push(textMatcher('attachmentNames', c.attachmentName, 'pièce jointe'));
  if (c.language) m.push(setMatcher(c.language, (v) => v.language, 'langue'));
  if (c.anyLanguage) m.push(setMatcher(c.anyLanguage, (v) => v.languages, 'langue'));
  if (c.forms) m.push(setMatcher(c.forms.map((f) => f.toUpperCase()), (v) => v.forms, 'formulaire'));
  if (c.identifiers) {
    const kinds = c.identifiers;
    m.push((v) => kinds.some((k) => (v.identifiers[k] ?? 0) > 0));
  }
  if (c.countries) m.push(setMatcher(c.countries, (v) => v.countries, 'pays'));
  if (c.attachmentType) {
    const types = c.attachmentType.map((t) => t.toLowerCase());
    m.push((v) => v.attachmentTypes.some((t) => types.some((w) => t.startsWith(w))));
  }
  if (c.attachmentTextStatus) m.push(setMatcher(c.attachmentTextStatus, (v) => v.attachmentTextStatuses, 'pièce jointe'));
  if (c.hasAttachments !== undefined) m.push(boolMatcher(c.hasAttachments, (v) => v.hasAttachments));
  if (c.isReply !== undefined) m.push(boolMatcher(c.isReply, (v) => v.isReply));
  if (c.hasInReplyTo !== undefined) m.push(boolMatcher(c.hasInReplyTo, (v) => v.hasInReplyTo));
  if (c.received) m.push(dateMatcher(c.received));
  if (c.textAvailable !== undefined) m.push(boolMatcher(c.textAvailable, (v) => v.textAvailable));
  if (c.channel) m.push(setMatcher(c.channel, (v) => v.channel, 'canal'));
  if (c.bodyChars) {
    const min = c.bodyChars.min ?? 0;
    const max = c.bodyChars.max ?? Infinity;
    m.push((v) => v.bodyChars >= min && v.bodyChars <= max);
  }
  return m;
}

function boolMatcher(expected: boolean, get: (v: MessageView) => boolean): Matcher {
  return (v) => get(v) === expected;
}

/** Every key present must hold (implicit AND); `any` needs one branch, `not` none. */
export function compileCondition(c: ConditionInput): Matcher {
  const parts = leafMatchers(c);
  if (c.all) parts.push(allOf(c.all.map(compileCondition)));
  if (c.any) parts.push(anyOf(c.any.map(compileCondition)));
  if (c.not) {
    const inner = compileCondition(c.not);
    parts.push((v) => !inner(v, []));
  }
  return allOf(parts);
}

function allOf(parts: Matcher[]): Matcher {
  return (v, ev) => {
    const local: string[] = [];
    for (const p of parts) if (!p(v, local)) return false;
    ev.push(...local);
    return true;
  };
}

function anyOf(parts: Matcher[]): Matcher {
  return (v, ev) => {
    for (const p of parts) {
      const local: string[] = [];
      if (p(v, local)) {
        ev.push(...local);
        return true;
      }
    }
    return false;
  };
}
