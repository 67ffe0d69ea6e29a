/**
 * Every message of the shared MIME corpora (broken on purpose in many cases: missing
 * boundaries, NUL bytes, 135 KB headers…) must either parse or be refused with a
 * PermanentError/LimitError: never another exception type, never a hang. Read in place.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseMessage } from '../../../src/parse/parse-message';
import { DEFAULT_PARSE_LIMITS } from '../../../src/parse/limits';
import { PermanentError } from '../../../src/shared/errors';

import { mimeCorpusDir } from '../../reliability/lib/hostile';

// Beside the checkout (CI's copy of shared/), else the workplace's; missing corpora fail loudly.
const CORPUS = mimeCorpusDir() ?? '(shared/corpora/mime not found beside the checkout nor in /work/shared)';
const PER_FILE_MS = 10_000;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listFiles(full);
    return /\.(mbox|md)$/i.test(name) ? [] : [full];
  });
}

const files = existsSync(CORPUS) ? listFiles(CORPUS) : [];

function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

(files.length > 0 ? describe : describe.skip)('shared MIME corpus', () => {
  it('has files to read', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it.each(files.map((f) => [path.relative(CORPUS, f), f]))('%s parses or fails permanently', async (_rel, file) => {
    const outcome = await withTimeout(
      parseMessage(readFileSync(file), DEFAULT_PARSE_LIMITS).then(
        (m) => ({ ok: true as const, m }),
        (err: unknown) => ({ ok: false as const, err }),
      ),
      PER_FILE_MS,
      file,
    );
    if (outcome.ok) {
      expect(outcome.m.size).toBeGreaterThan(0);
      expect(typeof outcome.m.text).toBe('string');
    } else {
      expect(outcome.err).toBeInstanceOf(PermanentError);
    }
  }, PER_FILE_MS + 5000);
});
