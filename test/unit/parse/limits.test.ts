import { parseMessage } from '../../../src/parse/parse-message';
import { DEFAULT_PARSE_LIMITS, validateLimits } from '../../../src/parse/limits';
import { checkNestingDepth } from '../../../src/parse/raw-scan';
import { ConfigError, LimitError } from '../../../src/shared/errors';
import type { ParseLimits } from '../../../src/parse/types';

const L = (over: Partial<ParseLimits>): ParseLimits => ({ ...DEFAULT_PARSE_LIMITS, ...over });
const HEAD = 'From: a@b.fr\r\nTo: c@d.fr\r\nSubject: limits\r\n';

function multipart(parts: number): Buffer {
  let s = `${HEAD}Content-Type: multipart/mixed; boundary=pp\r\n\r\n--pp\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;
  for (let i = 0; i < parts; i++) {
    s += `--pp\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nAAAA\r\n`;
  }
  return Buffer.from(`${s}--pp--\r\n`);
}

/** `depth` nested containers: multipart/mixed > message/rfc822 > multipart/mixed > … */
function nested(depth: number): Buffer {
  let body = 'Content-Type: text/plain\r\n\r\ninnermost\r\n';
  for (let d = depth; d >= 1; d--) {
    body = d % 2 === 0
      ? `Content-Type: message/rfc822\r\n\r\n${HEAD}${body}`
      : `Content-Type: multipart/mixed; boundary="b${d}"\r\n\r\n--b${d}\r\n${body}--b${d}--\r\n`;
  }
  return Buffer.from(HEAD + body);
}

const expectLimit = async (raw: Buffer, limits: ParseLimits, name: string): Promise<void> => {
  const err = await parseMessage(raw, limits).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(LimitError);
  expect((err as LimitError).code).toBe('AIG_ERR_LIMIT');
  expect((err as LimitError).message).toMatch(new RegExp(`^${name}:`));
};

describe('parse limits', () => {
  it('maxMessageBytes is checked before parsing', async () => {
    const raw = Buffer.from(`${HEAD}\r\n${'x'.repeat(2000)}\r\n`);
    await expectLimit(raw, L({ maxMessageBytes: 1000 }), 'maxMessageBytes');
    await expect(parseMessage(raw, L({ maxMessageBytes: raw.length }))).resolves.toBeDefined();
  });

  it('maxAttachments', async () => {
    await expectLimit(multipart(4), L({ maxAttachments: 3 }), 'maxAttachments');
    const ok = await parseMessage(multipart(3), L({ maxAttachments: 3 }));
    expect(ok.attachments).toHaveLength(3);
  });

  it('maxAttachments also stops a part bomb inside mailparser', async () => {
    await expectLimit(multipart(400), L({ maxAttachments: 5 }), 'maxAttachments');
  });

  it('maxHeaderLines', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `X-Extra-${i}: v\r\n`).join('');
    const raw = Buffer.from(`${HEAD}${many}\r\nbody\r\n`);
    await expectLimit(raw, L({ maxHeaderLines: 32 }), 'maxHeaderLines');
    const ok = await parseMessage(raw, L({ maxHeaderLines: 33 }));
    expect(ok.headerLines).toBe(33);
  });

  it('maxHeaderBytes (one huge folded header, as in the wild)', async () => {
    const folded = `To: ${Array.from({ length: 400 }, (_, i) => `user${i}@example.org`).join(',\r\n ')}\r\n`;
    const raw = Buffer.from(`From: a@b.fr\r\nSubject: s\r\n${folded}\r\nbody\r\n`);
    await expectLimit(raw, L({ maxHeaderBytes: 4096 }), 'maxHeaderBytes');
  });

  it('maxHeaderBytes when the header block never ends', async () => {
    const raw = Buffer.from(`${HEAD}X-Long: ${'a'.repeat(10_000)}`);
    await expectLimit(raw, L({ maxHeaderBytes: 4096 }), 'maxHeaderBytes');
  });

  it('maxNestingDepth (multipart and message/rfc822 both count)', async () => {
    expect(checkNestingDepth(nested(6), DEFAULT_PARSE_LIMITS)).toBe(6);
    await expectLimit(nested(6), L({ maxNestingDepth: 5 }), 'maxNestingDepth');
    await expect(parseMessage(nested(6), L({ maxNestingDepth: 6 }))).resolves.toBeDefined();
  });

  it('nesting depth: a plain mail is 0, sibling parts do not add up', () => {
    expect(checkNestingDepth(Buffer.from(`${HEAD}\r\nhello\r\n`), DEFAULT_PARSE_LIMITS)).toBe(0);
    expect(checkNestingDepth(multipart(20), DEFAULT_PARSE_LIMITS)).toBe(1);
  });

  it('maxTextChars bounds the decoded body', async () => {
    const raw = Buffer.from(`${HEAD}Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from('é'.repeat(5000)).toString('base64')}\r\n`);
    const m = await parseMessage(raw, L({ maxTextChars: 100 }));
    expect(m.text).toBe('é'.repeat(100));
  });
});

describe('validateLimits', () => {
  it('accepts the defaults and freezes the copy', () => {
    const v = validateLimits(DEFAULT_PARSE_LIMITS);
    expect(v).toEqual(DEFAULT_PARSE_LIMITS);
    expect(Object.isFrozen(v)).toBe(true);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5])('refuses %p and names the key', (bad) => {
    expect(() => validateLimits(L({ pdfTimeoutMs: bad }))).toThrow(ConfigError);
    expect(() => validateLimits(L({ pdfTimeoutMs: bad }))).toThrow(/pdfTimeoutMs/);
  });

  it('refuses a missing key', () => {
    const { maxAttachments: _drop, ...rest } = DEFAULT_PARSE_LIMITS;
    expect(() => validateLimits(rest as ParseLimits)).toThrow(/maxAttachments/);
  });
});
