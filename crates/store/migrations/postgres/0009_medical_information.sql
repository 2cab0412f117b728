-- Medical information under consent (薬剤情報, 診療情報, 医療費情報,
-- 特定健診等情報): the records insurers send, attached to the member they are
-- about (so a member whose link is suspended keeps them quarantined); the
-- consent as an artefact (purpose, data range, revocation); facilities'
-- staff and emergency designation; fire departments' crews; and the access
-- log, one hash chain per person with a signed head. medical_records,
-- access_log and access_log_heads are person- or member-keyed.

ALTER TABLE consents ADD COLUMN purpose TEXT NOT NULL DEFAULT 'treatment';
ALTER TABLE consents ADD COLUMN data_from DATE;
ALTER TABLE consents ADD COLUMN data_to DATE;
ALTER TABLE consents ADD COLUMN certificate_in_grace BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE consents ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE consents ADD COLUMN revoked_by TEXT;
CREATE INDEX consents_facility_person ON consents (facility_code, person_id, expires_at);

CREATE TABLE medical_records (
    record_pk      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    insurer_number TEXT        NOT NULL,
    kind           TEXT        NOT NULL CHECK (kind IN ('drug', 'clinical', 'expense', 'checkup')),
    record_id      TEXT        NOT NULL,
    member_id      BIGINT      NOT NULL REFERENCES members (member_id),
    on_date        DATE        NOT NULL,
    body           TEXT        NOT NULL,
    imported_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (insurer_number, kind, record_id)
);
CREATE INDEX medical_records_member ON medical_records (member_id, kind, on_date);

CREATE TABLE facility_staff (
    facility_code TEXT        NOT NULL REFERENCES facilities (facility_code),
    staff_id      TEXT        NOT NULL,
    name          TEXT        NOT NULL,
    qualification TEXT        NOT NULL CHECK (qualification IN ('doctor', 'dentist', 'pharmacist', 'nurse', 'clerk')),
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    PRIMARY KEY (facility_code, staff_id)
);

CREATE TABLE emergency_facilities (
    facility_code TEXT        PRIMARY KEY REFERENCES facilities (facility_code),
    designated_at TIMESTAMPTZ NOT NULL,
    designated_by TEXT        NOT NULL
);

CREATE TABLE crews (
    crew_code  TEXT        PRIMARY KEY,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE crew_clients (
    client_id     TEXT        PRIMARY KEY,
    crew_code     TEXT        NOT NULL REFERENCES crews (crew_code),
    secret_sha256 BYTEA       NOT NULL,
    name          TEXT        NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);

CREATE TABLE access_log (
    person_id  BIGINT      NOT NULL REFERENCES residents (person_id),
    seq        BIGINT      NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    actor_kind TEXT        NOT NULL,
    actor_id   TEXT        NOT NULL,
    staff_id   TEXT        NOT NULL,
    member_id  BIGINT,
    category   TEXT        NOT NULL,
    purpose    TEXT        NOT NULL,
    basis      TEXT        NOT NULL,
    basis_ref  TEXT        NOT NULL,
    prev_hash  BYTEA       NOT NULL,
    hash       BYTEA       NOT NULL,
    PRIMARY KEY (person_id, seq)
);
CREATE INDEX access_log_member ON access_log (member_id, at) WHERE member_id IS NOT NULL;

-- The last entry of each person's chain, signed by the platform.
CREATE TABLE access_log_heads (
    person_id BIGINT      PRIMARY KEY REFERENCES residents (person_id),
    seq       BIGINT      NOT NULL,
    hash      BYTEA       NOT NULL,
    signature BYTEA       NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);

-- Append-only: the platform never updates or deletes an entry.
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
