import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AigError } from '../shared/errors';
import { MIGRATIONS } from './schema';
import type { Decision } from '../classify/types';
import type { IndexRecord } from '../index/types';
import type { HistoryEntry, Item, ItemStatus, MoveRecord, NewItem, RegisterResult, SourceRef, SourceRow } from './types';

export interface RegisterOptions {
  path: string;
  numberPrefix: string;
  replyDelayDays: number;
  /** How long a writer waits for another process's lock before SQLITE_BUSY (ms). */
  busyTimeoutMs?: number;
  now?: () => Date;
}

const SYSTEM = 'aiguillage';

/**
 * The durable register (SQLite, WAL). Several triage processes may share the file on one machine:
 * every write is a BEGIN IMMEDIATE transaction, so register numbers are assigned one at a time,
 * gapless per year, in the same transaction that writes the row.
 */
export class Register {
  readonly db: Database.Database;
  private readonly opts: Required<RegisterOptions>;
  /** The file this connection writes (device and inode), to see it deleted or replaced. */
  private readonly file: { dev: number; ino: number };

  constructor(opts: RegisterOptions) {
    this.opts = { busyTimeoutMs: 15000, now: () => new Date(), ...opts };
    fs.mkdirSync(path.dirname(opts.path), { recursive: true });
    this.db = new Database(opts.path);
    this.db.pragma(`busy_timeout = ${this.opts.busyTimeoutMs}`);
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable across process crashes in WAL mode; FULL also survives power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const st = fs.statSync(opts.path);
    this.file = { dev: st.dev, ino: st.ino };
  }

  /**
   * Readiness (/readyz): throws, saying why, unless this process can still write its register.
   * - The file at `path` is still the one it opened: a register deleted or replaced under a running
   *   worker would take every new row into an unlinked file, which nobody would ever read.
   * - A write lock can be had within `lockWaitMs`: the file is writable and no other process holds
   *   it longer (a writer's commit takes milliseconds). Taken and given back at once (BEGIN IMMEDIATE,
   *   ROLLBACK): nothing is written.
   */
  checkReady(lockWaitMs = 500): void {
    this.assertFileInPlace();
    if (this.db.inTransaction) return;
    this.db.pragma(`busy_timeout = ${lockWaitMs}`);
    try {
      this.db.exec('BEGIN IMMEDIATE');
      this.db.exec('ROLLBACK');
    } catch (err) {
      throw new Error(`register cannot be written: ${(err as Error).message}`);
    } finally {
      this.db.pragma(`busy_timeout = ${this.opts.busyTimeoutMs}`);
    }
  }

  /**
   * Throws (AIG_ERR_REGISTER) unless the file at `path` is the one this connection writes: SQLite
   * goes on writing into a deleted file without an error. Checked before each registration and
   * each batch of move records (one stat, a few microseconds a batch): the worker moves a message out of the inbox once its row is
   * committed, so the row must be in the register people read; the job then fails and is retried
   * with the message still in the inbox until the process is restarted on the right file. The
   * dashboard checks it before every change a person makes.
   */
  assertFileInPlace(): void {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.opts.path);
    } catch (err) {
      throw new AigError('AIG_ERR_REGISTER', `register file ${this.opts.path} is gone (${(err as NodeJS.ErrnoException).code ?? 'error'}): nothing is registered nor moved until the process is restarted on the right file`);
    }
    if (st.dev !== this.file.dev || st.ino !== this.file.ino) {
      throw new AigError('AIG_ERR_REGISTER', `register file ${this.opts.path} was replaced since this process opened it: nothing is registered nor moved until the process is restarted on the new file`);
    }
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const apply = this.db.transaction((version: number, sql: string) => {
      const done = this.sql('SELECT 1 FROM schema_migrations WHERE version = ?').get(version);
      if (done) return;
      this.db.exec(sql);
      this.sql('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, this.opts.now().toISOString());
    });
    MIGRATIONS.forEach((sql, i) => apply.immediate(i + 1, sql));
  }

  close(): void {
    this.db.close();
  }

  /** Prepared statements are cached: preparing one costs more than running it (measured: ~0.6 ms
   *  per job in the triage worker's profile before this cache). */
  private readonly statements = new Map<string, Database.Statement>();

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  findSource(ref: SourceRef): SourceRow | null {
    const row = this.sql('SELECT * FROM sources WHERE mailbox = ? AND uidvalidity = ? AND uid = ?')
      .get(ref.mailbox, ref.uidValidity, ref.uid) as Record<string, unknown> | undefined;
    return row ? toSource(row) : null;
  }

  getItem(id: number): Item | null {
    const row = this.sql('SELECT * FROM items WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? toItem(row) : null;
  }

  getByNumber(registerNo: string): Item | null {
    const row = this.sql('SELECT * FROM items WHERE register_no = ?').get(registerNo) as Record<string, unknown> | undefined;
    return row ? toItem(row) : null;
  }

  /** The register entry a reply belongs to: the first of its In-Reply-To / References found. */
  findByMessageIds(ids: string[]): Item | null {
    const stmt = this.sql('SELECT * FROM items WHERE message_id = ? ORDER BY id LIMIT 1');
    for (const id of ids) {
      const row = stmt.get(id) as Record<string, unknown> | undefined;
      if (row) return toItem(row);
    }
    return null;
  }

  /**
   * Register a message seen at `input.source`, idempotently:
   * - the same source already registered → that row, created=false;
   * - the same message (dedupe key: Message-ID + content) seen elsewhere → a new sighting of the
   *   existing row, created=false;
   * - else a new row with the next register number of the year, and its history.
   */
  registerMessage(input: NewItem): RegisterResult {
    return this.registerMany([input])[0];
  }

  /**
   * Register several messages in ONE transaction (one commit, one fsync): the triage worker batches
   * the registrations of its concurrent jobs. Same idempotence as `registerMessage`, item by item.
   */
  registerMany(inputs: NewItem[]): RegisterResult[] {
    this.assertFileInPlace();
    return this.db.transaction(() => inputs.map((i) => this.registerOne(i))).immediate();
  }

  private registerOne(input: NewItem): RegisterResult {
    const tx = (): RegisterResult => {
      const existing = this.findSource(input.source);
      if (existing) return { item: this.mustItem(existing.itemId), source: existing, created: false };
      const nowIso = this.opts.now().toISOString();
      const dup = this.sql('SELECT id FROM items WHERE dedupe_key = ?').get(input.dedupeKey) as { id: number } | undefined;
      if (dup) {
        this.insertSource(input.source, dup.id, nowIso);
        this.addHistory(dup.id, SYSTEM, 'seen-again', null, sourceLabel(input.source), 'même message déjà enregistré (Message-ID et contenu identiques)');
        return { item: this.mustItem(dup.id), source: this.findSource(input.source)!, created: false };
      }
      const id = this.insertItem(input, nowIso);
      this.insertSource(input.source, id, nowIso);
      const item = this.mustItem(id);
      const why = input.error ?? item.decision?.reasons.map((r) => r.text).slice(0, 3).join(' ; ') ?? null;
      this.addHistory(id, SYSTEM, 'registered', null, `${item.destination} (${item.status})`, why);
      return { item, source: this.findSource(input.source)!, created: true };
    };
    return tx();
  }

  private insertItem(input: NewItem, nowIso: string): number {
    const now = this.opts.now();
    const year = now.getUTCFullYear();
    this.sql('INSERT INTO counters (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING').run(year);
    this.sql('UPDATE counters SET last = last + 1 WHERE year = ?').run(year);
    const { last: seq } = this.sql('SELECT last FROM counters WHERE year = ?').get(year) as { last: number };
    const registerNo = `${this.opts.numberPrefix}-${year}-${String(seq).padStart(6, '0')}`;
    const deadline = new Date(input.receivedAt.getTime() + this.opts.replyDelayDays * 86400000);
    const d = input.decision;
    const ix = input.index;
    const status: ItemStatus = input.error ? 'error' : d?.status === 'routed' ? 'auto-routed' : 'to-review';
    const res = this.sql(
        `INSERT INTO items (register_no, year, seq, message_id, dedupe_key, received_at, registered_at, deadline, channel,
           sender_address, sender_name, sender_kind, sender_org, subject, language, destination, status, confidence,
           decision_json, index_json, error)
         VALUES (@registerNo, @year, @seq, @messageId, @dedupeKey, @receivedAt, @registeredAt, @deadline, @channel,
           @senderAddress, @senderName, @senderKind, @senderOrg, @subject, @language, @destination, @status, @confidence,
           @decisionJson, @indexJson, @error)`,
      )
      .run({
        registerNo,
        year,
        seq,
        messageId: input.messageId,
        dedupeKey: input.dedupeKey,
        receivedAt: input.receivedAt.toISOString(),
        registeredAt: nowIso,
        deadline: deadline.toISOString(),
        channel: input.channel,
        senderAddress: ix?.sender.address ?? null,
        senderName: ix?.sender.name ?? null,
        senderKind: ix?.sender.kind ?? null,
        senderOrg: ix?.sender.organisation ?? null,
        subject: ix?.subject ?? null,
        language: ix?.language ?? null,
        destination: d?.destination ?? 'secretariat',
        status,
        confidence: d?.confidence ?? null,
        decisionJson: d ? JSON.stringify(d) : null,
        indexJson: ix ? JSON.stringify(ix) : null,
        error: input.error,
      });
    return Number(res.lastInsertRowid);
  }

  private insertSource(ref: SourceRef, itemId: number, nowIso: string): void {
    this.sql('INSERT INTO sources (mailbox, uidvalidity, uid, item_id, seen_at) VALUES (?, ?, ?, ?, ?)')
      .run(ref.mailbox, ref.uidValidity, ref.uid, itemId, nowIso);
  }

  /** Record that the message at `ref` now lives in `folder` (after MOVE), with its history. */
  markMoved(ref: SourceRef, folder: string, uid: number | null = null, uidValidity: string | null = null): number | null {
    return this.markMovedMany([{ ref, folder, uid, uidValidity }])[0]!;
  }

  /**
   * Record several moves in one transaction. Returns, per move, the UID of a SURPLUS copy to expunge,
   * else null: the move was already recorded in the same folder under another UID, i.e. two sessions
   * moved the same message concurrently (a job delivered twice) and the server made two copies; the
   * first one recorded stays.
   */
  markMovedMany(moves: MoveRecord[]): (number | null)[] {
    // A move recorded into a deleted or replaced file would be lost while the job reports success:
    // refuse, so the job fails loudly and its retry finds the message in its destination.
    this.assertFileInPlace();
    const tx = this.db.transaction(() =>
      moves.map(({ ref, folder, uid = null, uidValidity = null }): number | null => {
        const src = this.findSource(ref);
        if (!src) throw new Error(`markMoved: unknown source ${sourceLabel(ref)}`);
        if (src.folder === folder && src.movedAt) {
          if (uid === null || uid === src.folderUid) return null;
          if (src.folderUid !== null && uidValidity === src.folderUidValidity) return uid;
          // The UID was not known yet (found by Message-ID after a crash): fill it in.
          this.sql('UPDATE sources SET folder_uid = ?, folder_uidvalidity = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?')
            .run(uid, uidValidity, ref.mailbox, ref.uidValidity, ref.uid);
          return null;
        }
        const nowIso = this.opts.now().toISOString();
        this.setPlacement(ref, folder, nowIso, uid, uidValidity);
        this.addHistory(src.itemId, SYSTEM, 'moved', null, folder, `message déplacé (${sourceLabel(ref)})`);
        return null;
      }),
    );
    // A move record is not worth an fsync of its own: if power fails before the next registration's
    // commit (which syncs the whole WAL, this record included), a retry finds the message by UID or
    // Message-ID in its folder. The registration itself, which must precede the MOVE, stays FULL.
    this.sql('PRAGMA synchronous = NORMAL').run();
    try {
      return tx.immediate();
    } finally {
      this.sql('PRAGMA synchronous = FULL').run();
    }
  }

  /** Where the message of `ref` now is: its folder, when it got there, and its UID there (null: unknown). */
  private setPlacement(ref: SourceRef, folder: string, atIso: string, uid: number | null, uidValidity: string | null): void {
    this.sql('UPDATE sources SET folder = ?, moved_at = ?, folder_uid = ?, folder_uidvalidity = ? WHERE mailbox = ? AND uidvalidity = ? AND uid = ?').run(folder, atIso, uid, uidValidity, ref.mailbox, ref.uidValidity, ref.uid);
  }

  /**
   * A message of a mailbox's HISTORY (already handled by people, in the folder where it is filed):
   * registered as `handled` in `placement.folder`, never moved. `destination` (the desk the folder
   * belongs to) overrides the classifier's; the decision stays recorded with its reasons. A message
   * already in the register (same Message-ID and content) only gains this copy as a source.
   */
  importHistory(input: NewItem, placement: { folder: string; uid: number; uidValidity: string }, opts: { destination?: string | null; actor: string }): { item: Item; outcome: 'imported' | 'known' | 'duplicate' } {
    const tx = () => {
      const existing = this.findSource(input.source);
      if (existing) return { item: this.mustItem(existing.itemId), outcome: 'known' as const };
      const nowIso = this.opts.now().toISOString();
      const dup = this.sql('SELECT id FROM items WHERE dedupe_key = ?').get(input.dedupeKey) as { id: number } | undefined;
      const id = dup ? dup.id : this.insertItem(input, nowIso);
      this.insertSource(input.source, id, nowIso);
      this.setPlacement(input.source, placement.folder, nowIso, placement.uid, placement.uidValidity);
      if (dup) {
        this.addHistory(id, opts.actor, 'seen-again', null, placement.folder, `copie trouvée dans l'historique (${placement.folder})`);
        return { item: this.mustItem(id), outcome: 'duplicate' as const };
      }
      const before = this.mustItem(id);
      const destination = opts.destination ?? before.destination;
      this.sql("UPDATE items SET status = 'handled', destination = ? WHERE id = ?").run(destination, id);
      const why = opts.destination ? `dossier ${placement.folder} (desk ${opts.destination})` : `décision du classement : ${before.destination} (${before.status})`;
      this.addHistory(id, opts.actor, 'imported', null, `${destination} (handled)`, `importé de l'historique : ${why}`);
      return { item: this.mustItem(id), outcome: 'imported' as const };
    };
    this.assertFileInPlace();
    return this.db.transaction(tx).immediate();
  }

  /**
   * A dead letter processed again successfully (an operator's retry after a fix): the row keeps its
   * register number and gets the new index and decision, with a history line.
   */
  recordRetry(itemId: number, index: IndexRecord, decision: Decision, actor: string): Item {
    const tx = this.db.transaction(() => {
      const before = this.mustItem(itemId);
      const status: ItemStatus = decision.status === 'routed' ? 'auto-routed' : 'to-review';
      this.sql(
          `UPDATE items SET destination = ?, status = ?, confidence = ?, decision_json = ?, index_json = ?, error = NULL,
             channel = ?, sender_address = ?, sender_name = ?, sender_kind = ?, sender_org = ?, subject = ?, language = ? WHERE id = ?`,
        )
        .run(decision.destination, status, decision.confidence, JSON.stringify(decision), JSON.stringify(index), index.channel, index.sender.address, index.sender.name, index.sender.kind, index.sender.organisation, index.subject, index.language, itemId);
      this.addHistory(itemId, actor, 'retried', `${before.destination} (${before.status})`, `${decision.destination} (${status})`, before.error);
      return this.mustItem(itemId);
    });
    return tx.immediate();
  }

  addHistory(itemId: number, actor: string, action: string, fromValue: string | null, toValue: string | null, reason: string | null): void {
    this.sql('INSERT INTO history (item_id, at, actor, action, from_value, to_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(itemId, this.opts.now().toISOString(), actor, action, fromValue, toValue, reason);
  }

  history(itemId: number): HistoryEntry[] {
    return (this.sql('SELECT * FROM history WHERE item_id = ? ORDER BY id').all(itemId) as Record<string, unknown>[]).map((r) => ({
      at: r.at as string,
      actor: r.actor as string,
      action: r.action as string,
      fromValue: (r.from_value as string | null) ?? null,
      toValue: (r.to_value as string | null) ?? null,
      reason: (r.reason as string | null) ?? null,
    }));
  }

  sourcesOf(itemId: number): SourceRow[] {
    return (this.sql('SELECT * FROM sources WHERE item_id = ? ORDER BY seen_at').all(itemId) as Record<string, unknown>[]).map(toSource);
  }

  /** Newest first. */
  list(opts: { limit?: number; status?: ItemStatus; destination?: string } = {}): Item[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (opts.status) (where.push('status = ?'), params.push(opts.status));
    if (opts.destination) (where.push('destination = ?'), params.push(opts.destination));
    const sql = `SELECT * FROM items ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    return (this.sql(sql).all(...params, opts.limit ?? 100) as Record<string, unknown>[]).map(toItem);
  }

  counts(): { items: number; sources: number; moved: number; errors: number; toReview: number } {
    const q = (sql: string) => (this.sql(sql).get() as { n: number }).n;
    return {
      items: q('SELECT COUNT(*) AS n FROM items'),
      sources: q('SELECT COUNT(*) AS n FROM sources'),
      moved: q('SELECT COUNT(*) AS n FROM sources WHERE moved_at IS NOT NULL'),
      errors: q("SELECT COUNT(*) AS n FROM items WHERE status = 'error'"),
      toReview: q("SELECT COUNT(*) AS n FROM items WHERE status = 'to-review'"),
    };
  }

  private mustItem(id: number): Item {
    const it = this.getItem(id);
    if (!it) throw new Error(`register item ${id} vanished inside a transaction`);
    return it;
  }
}

export function sourceLabel(ref: SourceRef): string {
  return `${ref.mailbox}/${ref.uidValidity}/${ref.uid}`;
}

function parseJson<T>(v: unknown): T | null {
  return typeof v === 'string' ? (JSON.parse(v) as T) : null;
}

function toItem(r: Record<string, unknown>): Item {
  return {
    id: r.id as number,
    registerNo: r.register_no as string,
    messageId: (r.message_id as string | null) ?? null,
    dedupeKey: r.dedupe_key as string,
    receivedAt: r.received_at as string,
    registeredAt: r.registered_at as string,
    deadline: (r.deadline as string | null) ?? null,
    channel: r.channel as string,
    senderAddress: (r.sender_address as string | null) ?? null,
    senderName: (r.sender_name as string | null) ?? null,
    senderKind: (r.sender_kind as string | null) ?? null,
    senderOrg: (r.sender_org as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    language: (r.language as string | null) ?? null,
    destination: r.destination as string,
    status: r.status as ItemStatus,
    confidence: (r.confidence as number | null) ?? null,
    decision: parseJson(r.decision_json),
    index: parseJson(r.index_json),
    error: (r.error as string | null) ?? null,
  };
}

function toSource(r: Record<string, unknown>): SourceRow {
  return {
    mailbox: r.mailbox as string,
    uidValidity: r.uidvalidity as string,
    uid: r.uid as number,
    itemId: r.item_id as number,
    seenAt: r.seen_at as string,
    folder: (r.folder as string | null) ?? null,
    movedAt: (r.moved_at as string | null) ?? null,
    folderUid: (r.folder_uid as number | null) ?? null,
    folderUidValidity: (r.folder_uidvalidity as string | null) ?? null,
  };
}
