/** Builders for the register search / export / retention tests: real temp SQLite files. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Decision, Destination } from '../../../src/classify/types';
import type { IndexRecord, SenderKind } from '../../../src/index/types';
import { Register } from '../../../src/register/sqlite';
import type { NewItem } from '../../../src/register/types';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function openRegister(file: string, now?: () => Date): Register {
  return new Register({ path: file, numberPrefix: 'DAJ', replyDelayDays: 30, ...(now ? { now } : {}) });
}

export interface Spec {
  subject?: string;
  body?: string;
  address?: string;
  name?: string;
  organisation?: string;
  kind?: SenderKind;
  language?: string;
  nir?: string[];
  siren?: string[];
  forms?: string[];
  countries?: string[];
  caseRefs?: string[];
  senderRefs?: string[];
  attachments?: string[];
  received?: string; // ISO
  destination?: Destination;
  status?: 'routed' | 'to-review';
  confidence?: number;
  copies?: string[];
  channel?: 'courriel' | 'courrier';
}

export function indexRecord(s: Spec): IndexRecord {
  const address = s.address ?? 'jean.dupont@example.fr';
  const subject = s.subject ?? '';
  return {
    channel: s.channel ?? 'courriel',
    sender: { address, name: s.name ?? '', domain: address.split('@')[1] ?? '', organisation: s.organisation ?? '', kind: s.kind ?? 'individual' },
    recipients: ['courrier@cleiss.fr'],
    subject,
    language: s.language ?? 'fr',
    languages: [s.language ?? 'fr'],
    identifiers: {
      nir: s.nir ?? [],
      siren: s.siren ?? [],
      siret: [],
      forms: s.forms ?? [],
      caseRefs: s.caseRefs ?? [],
      senderRefs: s.senderRefs ?? [],
      countries: s.countries ?? [],
    },
    attachments: (s.attachments ?? []).map((name) => ({ name, type: 'application/pdf', size: 1000, sha256: 'x', textStatus: 'ok' })),
    thread: { messageId: null, inReplyTo: null, references: [] },
    textAvailable: true,
    text: `${subject}\n\n${s.body ?? ''}`.trim(),
  };
}

function decision(s: Spec): Decision {
  return {
    destination: s.destination ?? 'secretariat',
    status: s.status ?? 'routed',
    confidence: s.confidence ?? 0.9,
    reasons: [{ kind: 'rule', rule: 'TEST_RULE', text: 'règle de test' }],
    suggestions: [{ destination: s.destination ?? 'secretariat', score: 0.9 }],
    copies: s.copies ?? [],
    tags: [],
  };
}

let uid = 0;

/** Register one message built from `s` (a new source and dedupe key each time). */
export function add(r: Register, s: Spec): ReturnType<Register['registerMessage']>['item'] {
  uid++;
  const item: NewItem = {
    source: { mailbox: 'main', uidValidity: '1', uid },
    messageId: `m${uid}@example.org`,
    dedupeKey: `key-${uid}-${Math.random()}`,
    receivedAt: new Date(s.received ?? '2026-03-02T10:00:00Z'),
    channel: s.channel ?? 'courriel',
    index: indexRecord(s),
    decision: decision(s),
    error: null,
  };
  return r.registerMessage(item).item;
}
