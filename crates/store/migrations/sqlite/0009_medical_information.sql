-- Medical information under consent (薬剤情報, 診療情報, 医療費情報,
-- 特定健診等情報): the records insurers send, attached to the member they are
-- about (so a member whose link is suspended keeps them quarantined); the
-- consent as an artefact (purpose, data range, revocation); facilities'
-- staff and emergency designation; fire departments' crews; and the access
-- log, one hash chain per person with a signed head. Times are UTC text.

ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT 'treatment';
ALTER TABLE consents ADD COLUMN data_from TEXT;
ALTER TABLE consents ADD COLUMN data_to TEXT;
ALTER TABLE consents ADD COLUMN certificate_in_grace INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consents ADD COLUMN revoked_at TEXT;
ALTER TABLE consents ADD COLUMN revoked_by TEXT;
CREATE INDEX consents_facility_person ON consents (facility_code, person_id, expires_at);

CREATE TABLE medical_records (
    record_pk      INTEGER PRIMARY KEY,
    insurer_number TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('drug', 'clinical', 'expense', 'checkup')),
    record_id      TEXT    NOT NULL,
    member_id      INTEGER NOT NULL REFERENCES members (member_id),
    on_date        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    imported_at    TEXT    NOT NULL,
    UNIQUE (insurer_number, kind, record_id)
);
CREATE INDEX medical_records_member ON medical_records (member_id, kind, on_date);

CREATE TABLE facility_staff (
    facility_code TEXT NOT NULL REFERENCES facilities (facility_code),
    staff_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    qualification TEXT NOT NULL CHECK (qualification IN ('doctor', 'dentist', 'pharmacist', 'nurse', 'clerk')),
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    PRIMARY KEY (facility_code, staff_id)
);

CREATE TABLE emergency_facilities (
    facility_code TEXT PRIMARY KEY REFERENCES facilities (facility_code),
    designated_at TEXT NOT NULL,
    designated_by TEXT NOT NULL
);

CREATE TABLE crews (
    crew_code  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE crew_clients (
    client_id     TEXT PRIMARY KEY,
    crew_code     TEXT NOT NULL REFERENCES crews (crew_code),
    secret_sha256 BLOB NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

CREATE TABLE access_log (
    person_id  INTEGER NOT NULL REFERENCES residents (person_id),
    seq        INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    actor_kind TEXT    NOT NULL,
    actor_id   TEXT    NOT NULL,
    staff_id   TEXT    NOT NULL,
    member_id  INTEGER,
    category   TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    basis      TEXT    NOT NULL,
    basis_ref  TEXT    NOT NULL,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (person_id, seq)
) WITHOUT ROWID;
CREATE INDEX access_log_member ON access_log (member_id, at) WHERE member_id IS NOT NULL;

-- The last entry of each person's chain, signed by the platform.
CREATE TABLE access_log_heads (
    person_id INTEGER PRIMARY KEY REFERENCES residents (person_id),
    seq       INTEGER NOT NULL,
    hash      BLOB    NOT NULL,
    signature BLOB    NOT NULL,
    at        TEXT    NOT NULL
);

-- Append-only: the platform never updates or deletes an entry.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
