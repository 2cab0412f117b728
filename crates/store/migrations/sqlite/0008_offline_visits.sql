-- Visits a reader accepted while the platform could not be reached (障害時,
-- failure mode), reconciled when it answers again. One row per (facility,
-- visit id): the unique key makes a resent visit answer its stored result,
-- never record a second consent or log a second check. Times are UTC text
-- `YYYY-MM-DDTHH:MM:SS.mmmZ`.
CREATE TABLE offline_visits (
    facility_code TEXT    NOT NULL,
    visit_id      TEXT    NOT NULL,
    visited_at    TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    person_id     INTEGER,
    result        TEXT    NOT NULL,
    status        INTEGER NOT NULL,
    answer        TEXT    NOT NULL,
    PRIMARY KEY (facility_code, visit_id)
);
