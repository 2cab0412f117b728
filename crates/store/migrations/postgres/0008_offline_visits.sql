-- Visits a reader accepted while the platform could not be reached (障害時,
-- failure mode), reconciled when it answers again. One row per (facility,
-- visit id): the unique key makes a resent visit answer its stored result,
-- never record a second consent or log a second check. Keyed by facility, so
-- a distributed deployment distributes it on facility_code.
CREATE TABLE offline_visits (
    facility_code TEXT        NOT NULL,
    visit_id      TEXT        NOT NULL,
    visited_at    TIMESTAMPTZ NOT NULL,
    received_at   TIMESTAMPTZ NOT NULL,
    person_id     BIGINT,
    result        TEXT        NOT NULL,
    status        SMALLINT    NOT NULL,
    answer        TEXT        NOT NULL,
    PRIMARY KEY (facility_code, visit_id)
);
