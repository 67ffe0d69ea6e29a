import fs from 'node:fs';
import { loadAnalysis } from '../app/analysis-deps';
import { loadConfig } from '../config/load';
import { maskIdentifiers } from '../index';
import type { IndexRecord } from '../index/types';
import { errorMessage } from '../shared/errors';
import { silentLogger } from '../shared/logger';
import { analyseMessage } from '../triage/analyse';

const USAGE = 'usage: aiguillage classify [--received YYYY-MM-DD] [--rules FILE] FILE.eml [FILE.eml …]';

/** The index as printed: no body text, identifiers masked (NIR). */
export function printableIndex(index: IndexRecord): Omit<IndexRecord, 'text'> {
  const { text: _text, ...rest } = index;
  return { ...rest, identifiers: maskIdentifiers(index.identifiers) };
}

/**
 * `aiguillage classify FILE…`: offline, no Redis and no IMAP; one JSON object per line. The CLI
 * contract is stable: other tools depend on the field names.
 */
export async function runClassify(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const files: string[] = [];
  let received: Date | null = null;
  let rulesPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--received') {
      const v = argv[++i] ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) throw new Error(`--received: expected YYYY-MM-DD, got "${v}"`);
      received = new Date(`${v}T12:00:00Z`);
    } else if (a === '--rules') rulesPath = argv[++i];
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else files.push(a);
  }
  if (files.length === 0) throw new Error(USAGE);
  const config = loadConfig();
  const { deps } = loadAnalysis(config, silentLogger(), { rulesPath });
  let failed = 0;
  for (const file of files) {
    try {
      const source = fs.readFileSync(file);
      const a = await analyseMessage(source, deps, { receivedAt: received });
      out(
        JSON.stringify({
          file,
          destination: a.decision.destination,
          status: a.decision.status,
          confidence: Number(a.decision.confidence.toFixed(4)),
          reasons: a.decision.reasons,
          suggestions: a.decision.suggestions,
          copies: a.decision.copies,
          tags: a.decision.tags,
          language: a.index.language,
          received: a.receivedAt.toISOString(),
          index: printableIndex(a.index),
        }),
      );
    } catch (err) {
      failed++;
      out(JSON.stringify({ file, error: errorMessage(err), code: (err as { code?: string }).code ?? 'AIG_ERR_READ' }));
    }
  }
  return failed > 0 ? 1 : 0;
}
