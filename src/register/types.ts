import type { Decision } from '../classify/types';
import type { IndexRecord } from '../index/types';

export type ItemStatus = 'auto-routed' | 'to-review' | 'error' | 'handled';

/** Where a message was seen: mailbox id + UIDVALIDITY + UID (the job identity). */
export interface SourceRef {
  mailbox: string;
  uidValidity: string;
  uid: number;
}

export interface NewItem {
  source: SourceRef;
  messageId: string | null;
  dedupeKey: string;
  receivedAt: Date;
  channel: 'courriel' | 'courrier';
  index: IndexRecord | null;
  decision: Decision | null;
  /** Set for dead letters: the reason the message could not be processed. */
  error: string | null;
}

export interface Item {
  id: number;
  registerNo: string;
  messageId: string | null;
  dedupeKey: string;
  receivedAt: string;
  registeredAt: string;
  deadline: string | null;
  channel: string;
  senderAddress: string | null;
  senderName: string | null;
  senderKind: string | null;
  senderOrg: string | null;
  subject: string | null;
  language: string | null;
  destination: string;
  status: ItemStatus;
  confidence: number | null;
  decision: Decision | null;
  index: IndexRecord | null;
  error: string | null;
}

export interface SourceRow extends SourceRef {
  itemId: number;
  seenAt: string;
  folder: string | null;
  movedAt: string | null;
  /** UID of this copy in `folder` and that folder's UIDVALIDITY (null when the server did not say). */
  folderUid: number | null;
  folderUidValidity: string | null;
}

/** A MOVE to record: where the copy seen at `ref` went, and its UID there when known. */
export interface MoveRecord {
  ref: SourceRef;
  folder: string;
  uid?: number | null;
  uidValidity?: string | null;
}

export interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  fromValue: string | null;
  toValue: string | null;
  reason: string | null;
}

export interface RegisterResult {
  item: Item;
  source: SourceRow;
  /** true when this call created the register row; false when the message was already registered
   *  (same source, or same Message-ID + content seen on another mailbox / after a rescan). */
  created: boolean;
}
