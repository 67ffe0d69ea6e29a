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
];
