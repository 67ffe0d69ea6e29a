/**
 * Reads a labelled corpus of .eml files through the same parse + index path as the worker, so the
 * model trains on what it will see in production (attachment text, detected language, forms…).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildIndex, loadSenderDirectory } from '../../index';
import type { IndexRecord } from '../../index/types';
import { parseMessage, validateLimits } from '../../parse';
import type { ParseLimits } from '../../parse/types';
import type { Config } from '../../config/schema';

export interface LabelledFile {
  file: string;
  label: string;
}

export interface CorpusItem extends LabelledFile {
  index: IndexRecord;
  receivedAt: Date;
  sha256: string;
}

export interface IndexDeps {
  limits: ParseLimits;
  senders: ReturnType<typeof loadSenderDirectory>;
  scannerAddresses: string[];
}

export function indexDepsFromConfig(config: Readonly<Config>): IndexDeps {
  return {
    limits: validateLimits({ ...config.limits }),
    senders: loadSenderDirectory(fs.readFileSync(config.index.sendersPath, 'utf8')),
    scannerAddresses: [...config.index.scannerAddresses],
  };
}

/** `DIR/<destination>/*.eml` → one labelled file per message. */
export function listLabelledDirs(root: string): LabelledFile[] {
  const out: LabelledFile[] = [];
  for (const label of fs.readdirSync(root).sort()) {
    const dir = path.join(root, label);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith('.eml')) out.push({ file: path.join(dir, f), label });
  }
  return out;
}

/** `file,destination` CSV (header line optional); files relative to the corpus directory. */
export function readLabelsCsv(csvPath: string, corpusDir: string): LabelledFile[] {
  const lines = fs.readFileSync(csvPath, 'utf8').split(/\r?\n/);
  const out: LabelledFile[] = [];
  lines.forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const [file, label] = t.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (i === 0 && file === 'file') return;
    if (!file || !label) throw new Error(`${csvPath}:${i + 1}: attendu "fichier,destination"`);
    out.push({ file: path.join(corpusDir, file), label });
  });
  return out;
}


export async function indexCorpus(files: LabelledFile[], deps: IndexDeps, onProgress?: (done: number) => void): Promise<CorpusItem[]> {
  const out: CorpusItem[] = [];
  for (const f of files) {
    const source = fs.readFileSync(f.file);
    const parsed = await parseMessage(source, deps.limits);
    const index = buildIndex(parsed, { senders: deps.senders, scannerAddresses: deps.scannerAddresses, maxTextChars: deps.limits.maxTextChars });
    out.push({ ...f, index, receivedAt: parsed.date ?? new Date(), sha256: createHash('sha256').update(source).digest('hex') });
    onProgress?.(out.length);
  }
  return out;
}
