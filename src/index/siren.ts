/**
 * SIREN (9 digits) and SIRET (SIREN + 5-digit establishment number), Luhn-checked.
 * Accepted layouts: contiguous, or grouped 3-3-3(-5) with one space or dot. A candidate glued
 * to more digits or letters is rejected, which keeps phone numbers (2-2-2-2-2, 10 digits),
 * IBANs (letters in front, groups of 4) and longer numbers out. Digits inside a valid NIR are
 * skipped by the caller passing the NIR spans.
 * La Poste exception: its establishments share SIREN 356000000 and their SIRETs do not pass
 * Luhn; they are valid when the sum of their digits is a multiple of 5.
 */
import type { NirSpan } from './nir';

const SIRET_RE = /(?<![\p{L}\p{N}]|\d[ .])(\d{3})([ .]?)(\d{3})\2(\d{3})\2?(\d{5})(?![\p{L}\p{N}]|[ .]\d)/gu;
const SIREN_RE = /(?<![\p{L}\p{N}]|\d[ .])(\d{3})([ .]?)(\d{3})\2(\d{3})(?![\p{L}\p{N}]|[ .]\d)/gu;
const LA_POSTE_SIREN = '356000000';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isValidSiret(siret: string): boolean {
  if (!/^\d{14}$/.test(siret)) return false;
  if (siret.startsWith(LA_POSTE_SIREN)) {
    const sum = [...siret].reduce((n, c) => n + Number(c), 0);
    return sum % 5 === 0;
  }
  return luhnValid(siret);
}

export function isValidSiren(siren: string): boolean {
  // All-zero passes Luhn but is no company.
  return /^\d{9}$/.test(siren) && siren !== '000000000' && luhnValid(siren);
}

const overlaps = (start: number, end: number, spans: readonly NirSpan[]): boolean =>
  spans.some((s) => start < s.end && end > s.start);

function scan(re: RegExp, text: string, nirSpans: readonly NirSpan[], valid: (d: string) => boolean): { value: string; start: number; end: number }[] {
  const out: { value: string; start: number; end: number }[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const value = m[0].replace(/[ .]/g, '');
    const end = m.index + m[0].length;
    if (!overlaps(m.index, end, nirSpans) && valid(value)) out.push({ value, start: m.index, end });
  }
  return out;
}

/** SIRETs and SIRENs; the SIREN inside a reported SIRET is not reported again on its own. */
export function extractSirenSiret(text: string, nirSpans: readonly NirSpan[] = []): { siren: string[]; siret: string[] } {
  const sirets = scan(SIRET_RE, text, nirSpans, isValidSiret);
  const taken = [...nirSpans, ...sirets.map((s) => ({ nir: '', start: s.start, end: s.end }))];
  const sirens = scan(SIREN_RE, text, taken, isValidSiren);
  return { siren: [...new Set(sirens.map((s) => s.value))], siret: [...new Set(sirets.map((s) => s.value))] };
}
