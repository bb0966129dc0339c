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
  `
  -- ADMS (ZK PUSH) state owned by src/adms.
  -- Commands handed to a device on its next getrequest as C:<id>:<command>; the id is the short CmdID the
  -- device echoes in devicecmd (digits only, well under the 16-character limit). Durable, so a command and its
  -- result survive a gateway restart.
  CREATE TABLE adms_command (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    device_serial TEXT    NOT NULL,
    command       TEXT    NOT NULL,
    status        TEXT    NOT NULL,   -- pending | sent | done | expired
    enqueued_at   TEXT    NOT NULL,
    deadline_at   TEXT    NOT NULL,
    sent_at       TEXT,
    send_count    INTEGER NOT NULL DEFAULT 0,
    completed_at  TEXT,
    return_code   INTEGER,
    result_body   TEXT,               -- JSON object of the result record's key=value fields
    result_raw    TEXT                -- the result record as the device sent it
  );
  CREATE INDEX adms_command_open ON adms_command(device_serial, id) WHERE status IN ('pending', 'sent');

  -- Users as the device reports them in OPERLOG USER records (latest record wins), for the local dashboard.
  CREATE TABLE adms_device_user (
    device_serial TEXT NOT NULL,
    pin           TEXT NOT NULL,
    name          TEXT,
    privilege     TEXT,
    card          TEXT,
    user_group    TEXT,
    raw_line      BLOB NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (device_serial, pin)
  );

  -- ATTPHOTO uploads kept when the policy is "store" (binary JPEG as received).
  CREATE TABLE adms_photo (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    device_serial  TEXT    NOT NULL,
    raw_request_id INTEGER NOT NULL REFERENCES raw_request(id),
    file_name      TEXT,
    declared_size  INTEGER,
    image          BLOB    NOT NULL,
    received_at    TEXT    NOT NULL
  );

  -- What a device tells us about itself: INFO= counts, pushed options, PUSH 3.x registration.
  CREATE TABLE adms_device_info (
    device_serial     TEXT PRIMARY KEY,
    push_generation   TEXT,     -- 2 | 3 (PUSH 2.x ADMS or 3.x Security PUSH, from pushver)
    firmware          TEXT,
    user_count        INTEGER,
    fingerprint_count INTEGER,
    record_count      INTEGER,
    face_count        INTEGER,
    records_max       INTEGER,
    capacity_level    TEXT,     -- ok | warning | critical (last level reported as a device event)
    options           TEXT,     -- JSON object of options the device pushed
    updated_at        TEXT NOT NULL
  );

  -- Device clock minus gateway clock, measured where the protocol reveals device time (heartbeats report it).
  ALTER TABLE device ADD COLUMN clock_skew_seconds REAL;
  ALTER TABLE device ADD COLUMN clock_checked_at TEXT;
  `,
  `
  -- Device events (online/offline, skew, capacity, audits, quarantined lines, unknown devices) waiting for
  -- edge.device.event.v1. Like punch_outbox: event_id is assigned once at record time (stable across
  -- re-sends), rows are marked on broker ack, unsent rows are never deleted.
  CREATE TABLE device_event_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT    NOT NULL UNIQUE,
    device_serial   TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    payload         TEXT    NOT NULL,  -- the edge.device.event.v1 value, already contract-validated
    created_at      TEXT    NOT NULL,
    published_at    TEXT,
    rejected_reason TEXT
  );
  CREATE INDEX device_event_outbox_unpublished ON device_event_outbox(id) WHERE published_at IS NULL AND rejected_reason IS NULL;
  CREATE INDEX device_event_outbox_published ON device_event_outbox(published_at) WHERE published_at IS NOT NULL;

  -- The punch relay shares each batch between devices (oldest first within a device, so per-device order
  -- holds) and prunes published rows by age; both need their own index.
  CREATE INDEX punch_outbox_device_unpublished ON punch_outbox(device_serial, id) WHERE published_at IS NULL AND rejected_reason IS NULL;
  CREATE INDEX punch_outbox_published ON punch_outbox(published_at) WHERE published_at IS NOT NULL;
  `,
  `
  -- Local API: when an operator approved a device seen as pending (the approval lives here, not in the config file).
  ALTER TABLE device ADD COLUMN approved_at TEXT;
  -- Per-device views (last punch, backlog) without scanning the whole outbox.
  CREATE INDEX punch_outbox_device ON punch_outbox(device_serial, id);
  CREATE INDEX raw_request_pending ON raw_request(device_serial) WHERE outcome = 'pending-device';

  -- Read-only cache of the cloud's reference data (GET /api/v1/sync/pull); replaced only by the pull client.
  CREATE TABLE reference_site (
    site_id    TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    cursor     TEXT NOT NULL,
    changed_at TEXT NOT NULL
  );
  CREATE TABLE reference_device (
    serial              TEXT PRIMARY KEY,
    name                TEXT,
    protocol            TEXT NOT NULL,
    site_id             TEXT NOT NULL,
    time_zone_override  TEXT,
    expected_gateway_id TEXT,
    cursor              TEXT NOT NULL,
    changed_at          TEXT NOT NULL
  );
  CREATE TABLE reference_employee (
    employee_id TEXT PRIMARY KEY,
    code        TEXT NOT NULL,  -- user id as enrolled on devices (a punch's deviceUserId)
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    cursor      TEXT NOT NULL,
    changed_at  TEXT NOT NULL
  );
  CREATE INDEX reference_employee_code ON reference_employee(code);
  -- One row: where the pull stands. The cursor moves only in the transaction that applied its page.
  CREATE TABLE reference_sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    cursor          TEXT NOT NULL,
    server_time     TEXT,
    synced_at       TEXT,
    last_attempt_at TEXT,
    last_error      TEXT
  );
  `,
  `
  -- Pull-mode devices (ZK TCP, Hikvision ISAPI), commands and reconciliation; owned by src/pull, src/commands,
  -- src/reconciliation. Per-device health the heartbeat reports (DESIGN.md 3.7), one row per pulled device.
  CREATE TABLE device_state (
    serial             TEXT PRIMARY KEY,
    protocol           TEXT NOT NULL,
    reachable          INTEGER,          -- 1 online, 0 offline, NULL never tried
    last_contact_at    TEXT,
    last_punch_at      TEXT,             -- punchedAt (UTC) of the newest punch stored from this device
    clock_skew_ms      INTEGER,          -- device clock minus gateway clock (positive = device ahead)
    clock_skew_state   TEXT,             -- ok | exceeded (last state reported as a device event)
    clock_checked_at   TEXT,
    device_local_time  TEXT,
    records_used       INTEGER,
    records_max        INTEGER,
    capacity_level     TEXT,             -- ok | warning | critical (last level reported as a device event)
    last_error         TEXT,
    last_error_at      TEXT,
    last_reconciled_at TEXT,
    last_recovered     INTEGER,          -- punches the last reconciliation found that we did not have
    recovered_total    INTEGER NOT NULL DEFAULT 0,
    updated_at         TEXT NOT NULL
  );

  -- Read positions per (device, channel), e.g. the Hikvision AcsEvent serialNo; moved only in the transaction
  -- that stored what was read up to it.
  CREATE TABLE pull_cursor (
    device_serial TEXT NOT NULL,
    channel       TEXT NOT NULL,
    cursor        TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (device_serial, channel)
  );

  -- Serial ranges a device skipped (frontSerialNo or a serial jump), kept until a backfill re-read them.
  CREATE TABLE serial_gap (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    device_serial TEXT    NOT NULL,
    from_serial   INTEGER NOT NULL,
    to_serial     INTEGER NOT NULL,
    basis         TEXT    NOT NULL,
    detected_at   TEXT    NOT NULL,
    resolved_at   TEXT
  );
  CREATE INDEX serial_gap_open ON serial_gap(device_serial, id) WHERE resolved_at IS NULL;

  -- Every punch identity stored from a pulled device, so a re-read (which returns the whole log) stores only
  -- what is new, even after published outbox rows were pruned.
  CREATE TABLE punch_seen (
    event_id      TEXT PRIMARY KEY,
    device_serial TEXT NOT NULL,
    first_source  TEXT NOT NULL,
    first_seen_at TEXT NOT NULL
  );
  CREATE INDEX punch_outbox_event_id ON punch_outbox(event_id);
  -- A re-read returns the same bad record again; it is quarantined once.
  CREATE INDEX quarantine_device_raw ON quarantine(device_serial, raw_line);

  -- Commands from edge.gateway.command.v1, by commandId: a redelivered command is recognised and not re-run.
  CREATE TABLE gateway_command (
    command_id    TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    device_serial TEXT,
    payload       TEXT NOT NULL,    -- the command as received
    deadline      TEXT NOT NULL,
    status        TEXT NOT NULL,    -- queued | running | done
    received_at   TEXT NOT NULL,
    started_at    TEXT,
    completed_at  TEXT
  );
  CREATE INDEX gateway_command_open ON gateway_command(received_at) WHERE status <> 'done';

  -- Results waiting for edge.gateway.command-result.v1; marked on broker ack, never deleted unsent.
  CREATE TABLE command_result_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id   TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    published_at TEXT
  );
  CREATE INDEX command_result_outbox_unpublished ON command_result_outbox(id) WHERE published_at IS NULL;

  -- Pull leases granted by sync-coordinator (one gateway pulls a device at a time); fencing tokens only grow.
  CREATE TABLE device_lease (
    device_serial TEXT PRIMARY KEY,
    lease_id      TEXT    NOT NULL,
    fencing_token INTEGER NOT NULL,
    expires_at    TEXT    NOT NULL,
    revoked_at    TEXT,
    updated_at    TEXT    NOT NULL
  );

  -- Scheduled re-reads of each device's recent window and what they recovered.
  CREATE TABLE reconciliation_run (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    device_serial TEXT    NOT NULL,
    window_from   TEXT    NOT NULL,
    window_to     TEXT    NOT NULL,
    started_at    TEXT    NOT NULL,
    completed_at  TEXT    NOT NULL,
    found         INTEGER,
    recovered     INTEGER,
    quarantined   INTEGER,
    error         TEXT
  );
  `,
  `
  -- Local API: the backlog panel counts rows set aside by the contract; rare, so a partial index keeps it cheap.
  CREATE INDEX punch_outbox_rejected ON punch_outbox(id) WHERE rejected_reason IS NOT NULL;
  `,
  `
  -- Which contract validated a punch's payload when it was stored (topic name and a fingerprint of its schema,
  -- PUNCH_PAYLOAD_VERSION): the relay re-checks only payloads of another version. NULL = stored before this
  -- column existed, i.e. by an older gateway, so those are re-checked.
  ALTER TABLE punch_outbox ADD COLUMN payload_version TEXT;
  -- Raw-request retention asks whether any punch, quarantined line or photo still refers to a request; without
  -- these indexes each question, and the foreign-key check of every DELETE, would scan the whole child table.
  CREATE INDEX punch_outbox_raw_request ON punch_outbox(raw_request_id);
  CREATE INDEX quarantine_raw_request ON quarantine(raw_request_id);
  CREATE INDEX adms_photo_raw_request ON adms_photo(raw_request_id);
  `,
];
