-- Online eligibility verification: facilities' API clients, consents given
-- at the reader, and the log of every eligibility query. Times are UTC text
-- `YYYY-MM-DDTHH:MM:SS.mmmZ`.
CREATE TABLE facility_clients (
    client_id     TEXT PRIMARY KEY,
    facility_code TEXT NOT NULL REFERENCES facilities (facility_code),
    secret_sha256 BLOB NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

CREATE TABLE consents (
    consent_id    INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES residents (person_id),
    facility_code TEXT    NOT NULL,
    categories    TEXT    NOT NULL,
    given_at      TEXT    NOT NULL,
    expires_at    TEXT    NOT NULL,
    media         TEXT    NOT NULL CHECK (media IN ('card', 'smartphone'))
);
CREATE INDEX consents_person_facility ON consents (person_id, facility_code, given_at);

CREATE TABLE eligibility_log (
    log_id             INTEGER PRIMARY KEY,
    at                 TEXT    NOT NULL,
    facility_code      TEXT    NOT NULL,
    facility_kind      TEXT    NOT NULL,
    method             TEXT    NOT NULL CHECK (method IN ('card', 'insured_number', 'smartphone')),
    result             TEXT    NOT NULL,
    person_id          INTEGER,
    insurer_number     TEXT,
    consent_categories TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX eligibility_log_at ON eligibility_log (at);
