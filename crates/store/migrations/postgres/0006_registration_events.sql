-- The history of every card registration as insurance card (利用登録) and
-- cancellation (解除), so that the monthly usage report can count who was
-- registered at a month's end. `insurance_registrations` keeps the current
-- state; this table keeps every change.
CREATE TABLE registration_events (
    event_id   BIGSERIAL   PRIMARY KEY,
    person_id  BIGINT      NOT NULL REFERENCES residents (person_id),
    registered BOOLEAN     NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    via        TEXT        NOT NULL
);
CREATE INDEX registration_events_person ON registration_events (person_id, at);

-- The registrations recorded before this history existed.
INSERT INTO registration_events (person_id, registered, at, via)
SELECT person_id, registered, changed_at, via FROM insurance_registrations ORDER BY changed_at;

-- The usage report reads a month of the log by facility kind and insurer.
CREATE INDEX eligibility_log_insurer ON eligibility_log (insurer_number, at) WHERE insurer_number IS NOT NULL;
