import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

/** Queue names and job payloads, in one place. */
export const TRIAGE_QUEUE = 'triage';
/** Dead letters: messages that could not be processed (kept for inspection and retry; no worker). */
export const DEAD_QUEUE = 'triage-dead';

export interface TriageJob {
  /** Set for a file of the drop folder (then mailbox is DROP_MAILBOX, uidValidity the file's
   *  sha256 and uid 0). */
  file?: { name: string; sha256: string };
  mailbox: string; // mailbox id from the configuration
  folder: string; // watched folder the message was in
  uidValidity: string; // BigInt as string (JSON cannot hold a BigInt)
  uid: number;
  internalDate: string | null; // ISO, the IMAP INTERNALDATE = receipt date
  /** RFC822.SIZE as the poller saw it (a message never changes): under the size limit, the worker
   *  fetches the source straight away, without a metadata FETCH first. Absent in older jobs. */
  size?: number;
  /** An operator's retry of a dead letter: process the registered message again from its folder. */
  retry?: boolean;
}

export interface DeadLetter {
  job: TriageJob;
  registerNo: string | null;
  error: string;
  at: string;
}

/** Pseudo-mailbox of the drop folder in job ids and in the register's sources. */
export const DROP_MAILBOX = 'drop';

/** Deterministic job id: polling twice never makes two jobs (BullMQ ignores an existing id).
 *  BullMQ refuses ids with ':' or integer-like ids, hence the letters and dashes. */
export function triageJobId(j: Pick<TriageJob, 'mailbox' | 'uidValidity' | 'uid'>): string {
  return `m-${j.mailbox}-v${j.uidValidity}-u${j.uid}`;
}

export function triageJobOptions(attempts: number, backoffMs: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    // Keep completed jobs a week so that a re-scan within that time is deduplicated by id already;
    // after that the register (sources table) still recognises the message.
    removeOnComplete: { age: 7 * 24 * 3600, count: 100000 },
    // Failed jobs stay until someone looks at them (dashboard, retry).
    removeOnFail: false,
  };
}

export function createTriageQueue(connection: ConnectionOptions, prefix: string, attempts: number, backoffMs: number): Queue<TriageJob> {
  return new Queue<TriageJob>(TRIAGE_QUEUE, { connection, prefix, defaultJobOptions: triageJobOptions(attempts, backoffMs) });
}

export function createDeadQueue(connection: ConnectionOptions, prefix: string): Queue<DeadLetter> {
  return new Queue<DeadLetter>(DEAD_QUEUE, { connection, prefix, defaultJobOptions: { removeOnComplete: false, removeOnFail: false } });
}
