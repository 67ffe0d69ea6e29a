/**
 * Schema migrations of the register, applied in order inside one transaction each. Never edit a
 * migration that has shipped: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the register, its per-year counters, message sightings and the history of every change.
  `
  CREATE TABLE counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
  );
  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    register_no TEXT NOT NULL UNIQUE,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_id TEXT,
    dedupe_key TEXT NOT NULL,
    received_at TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    deadline TEXT,
    channel TEXT NOT NULL,
    sender_address TEXT,
    sender_name TEXT,
    sender_kind TEXT,
    sender_org TEXT,
    subject TEXT,
    language TEXT,
    destination TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('auto-routed', 'to-review', 'error', 'handled')),
    confidence REAL,
    decision_json TEXT,
    index_json TEXT,
    error TEXT,
    UNIQUE (year, seq)
  );
  CREATE UNIQUE INDEX items_dedupe ON items (dedupe_key);
  CREATE INDEX items_message_id ON items (message_id);
  CREATE INDEX items_status ON items (status);
  CREATE INDEX items_destination ON items (destination);
  CREATE INDEX items_received ON items (received_at);
  -- Every copy of a message seen on a watched mailbox (the same mail can reach two watched addresses).
  CREATE TABLE sources (
    mailbox TEXT NOT NULL,
    uidvalidity TEXT NOT NULL,
    uid INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES items (id),
    seen_at TEXT NOT NULL,
    folder TEXT,
    moved_at TEXT,
    PRIMARY KEY (mailbox, uidvalidity, uid)
  );
  CREATE INDEX sources_item ON sources (item_id);
  CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    reason TEXT
  );
  CREATE INDEX history_item ON history (item_id);
  `,
  // 2: full-text search. A contentless FTS5 index (content='': the text is not stored a second time,
  // which would double the file; snippets are cut from items in search.ts) whose rowid is items.id;
  // contentless_delete=1 lets rows be deleted and replaced (SQLite >= 3.43). Triggers on items keep
  // it in sync from the columns and from json_extract on index_json, so the insert code needs no
  // change. remove_diacritics 2 folds accents of every script ("securite" finds "sécurité",
  // "Ubersetzung" finds "Übersetzung"); case folding is built into unicode61.
  `
  CREATE VIRTUAL TABLE items_fts USING fts5(
    register_no, subject, sender, idents, attachments, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, register_no, subject, sender, idents, attachments, body)
    VALUES (
      new.id, new.register_no, coalesce(new.subject, ''),
      coalesce(new.sender_address, '') || ' ' || coalesce(new.sender_name, '') || ' ' || coalesce(new.sender_org, ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.index_json, '$.identifiers') WHERE type = 'text'), ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.index_json, '$.attachments') WHERE key = 'name'), ''),
      coalesce(json_extract(new.index_json, '$.text'), '')
    );
  END;
  CREATE TRIGGER items_fts_au AFTER UPDATE OF register_no, subject, sender_address, sender_name, sender_org, index_json ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
    INSERT INTO items_fts (rowid, register_no, subject, sender, idents, attachments, body)
    VALUES (
      new.id, new.register_no, coalesce(new.subject, ''),
      coalesce(new.sender_address, '') || ' ' || coalesce(new.sender_name, '') || ' ' || coalesce(new.sender_org, ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.index_json, '$.identifiers') WHERE type = 'text'), ''),
      coalesce((SELECT group_concat(value, ' ') FROM json_tree(new.index_json, '$.attachments') WHERE key = 'name'), ''),
      coalesce(json_extract(new.index_json, '$.text'), '')
    );
  END;
  CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
  END;
  -- Backfill the rows registered before this migration.
  INSERT INTO items_fts (rowid, register_no, subject, sender, idents, attachments, body)
  SELECT
    id, register_no, coalesce(subject, ''),
    coalesce(sender_address, '') || ' ' || coalesce(sender_name, '') || ' ' || coalesce(sender_org, ''),
    coalesce((SELECT group_concat(value, ' ') FROM json_tree(items.index_json, '$.identifiers') WHERE type = 'text'), ''),
    coalesce((SELECT group_concat(value, ' ') FROM json_tree(items.index_json, '$.attachments') WHERE key = 'name'), ''),
    coalesce(json_extract(index_json, '$.text'), '')
  FROM items;
  `,
  // 3: the dashboard. Human decisions (training examples and misroute statistics), copies sent to
  // other units, login sessions (only a hash of the cookie is stored: a stolen database file does not
  // give live sessions), and every saved version of the local rules file and of retrained models.
  `
  CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items (id),
    register_no TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reassign', 'confirm', 'return')),
    from_destination TEXT NOT NULL,
    to_destination TEXT NOT NULL,
    from_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX corrections_item ON corrections (item_id);
  CREATE INDEX corrections_at ON corrections (at);
  CREATE TABLE item_copies (
    item_id INTEGER NOT NULL REFERENCES items (id),
    unit TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (item_id, unit)
  );
  CREATE TABLE dashboard_sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE TABLE rule_versions (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    path TEXT NOT NULL,
    text TEXT NOT NULL,
    comment TEXT
  );
  CREATE TABLE model_versions (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    path TEXT NOT NULL,
    report_json TEXT NOT NULL
  );
  `,
  // 4: where each copy now is, by UID (the server's COPYUID after the MOVE). Replaces one IMAP keyword
  // per register number, which cost a STORE per message and grew every destination folder's keyword
  // list without bound. NULL for rows filed before (they are found by keyword) or without UIDPLUS.
  `
  ALTER TABLE sources ADD COLUMN folder_uidvalidity TEXT;
  ALTER TABLE sources ADD COLUMN folder_uid INTEGER;
  `,
];
