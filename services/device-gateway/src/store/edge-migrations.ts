/**
 * Edge SQLite schema, applied in order; `PRAGMA user_version` records how many have run. Append only: never
 * edit a migration that has shipped (sites upgrade in place and keep their unsent punches).
 */
export const EDGE_MIGRATIONS: readonly string[] = [
  `
  -- Every device request that carries data, exactly as received, committed before the device gets its ack.
  CREATE TABLE raw_request (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    device_serial TEXT    NOT NULL,
    protocol      TEXT    NOT NULL,
    table_name    TEXT,
    query         TEXT    NOT NULL,
    body          BLOB    NOT NULL,
    received_at   TEXT    NOT NULL,
    outcome       TEXT    NOT NULL  -- parsed | pending-device | stored-unparsed
  );

  -- Outbox of parsed punches; the relay publishes them oldest first and marks them on broker ack.
  -- NOTE: unsent rows are never deleted (DESIGN.md 3.5); only published rows may be pruned by retention.
  CREATE TABLE punch_outbox (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT    NOT NULL,
    device_serial  TEXT    NOT NULL,
    raw_request_id INTEGER NOT NULL REFERENCES raw_request(id),
    payload        TEXT    NOT NULL,  -- the attendance.punch.raw.v1 value, already contract-validated
    created_at     TEXT    NOT NULL,
    published_at   TEXT,
    -- set when the broker-side contract refuses a stored payload (e.g. after an upgrade): kept, not retried
    rejected_reason TEXT
  );
  CREATE INDEX punch_outbox_unpublished ON punch_outbox(id) WHERE published_at IS NULL AND rejected_reason IS NULL;

  -- Lines we could not turn into punches: raw bytes and reason kept for an operator, never dropped.
  CREATE TABLE quarantine (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    raw_request_id INTEGER NOT NULL REFERENCES raw_request(id),
    device_serial  TEXT    NOT NULL,
    line_number    INTEGER NOT NULL,
    raw_line       BLOB    NOT NULL,
    reason         TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
  );

  -- Devices seen on the LAN. Configured devices are approved; unknown serials wait as pending.
  CREATE TABLE device (
    serial        TEXT PRIMARY KEY,
    status        TEXT NOT NULL,     -- approved | pending
    protocol      TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    push_version  TEXT
  );

  -- ADMS upload positions per (device, table), returned in the handshake so a rebooted device resumes.
  CREATE TABLE device_stamp (
    device_serial TEXT NOT NULL,
    table_name    TEXT NOT NULL,
    stamp         TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (device_serial, table_name)
  );
  `,
];
