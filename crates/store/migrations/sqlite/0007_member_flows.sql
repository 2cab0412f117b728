-- The insurer's one-by-one flows (資格取得・変更・喪失): the certificates an
-- eligibility answer carries, the reason of a loss, the employer's notice
-- date and when the platform received the registration, all nullable so
-- the rows written before stay valid; and each member's history.
-- Dates are ISO text, times UTC text (rows::ts).
ALTER TABLE members ADD COLUMN loss_reason TEXT;
ALTER TABLE members ADD COLUMN limit_kind TEXT;
ALTER TABLE members ADD COLUMN limit_category TEXT;
ALTER TABLE members ADD COLUMN limit_issued_on TEXT;
ALTER TABLE members ADD COLUMN limit_valid_from TEXT;
ALTER TABLE members ADD COLUMN limit_valid_until TEXT;
ALTER TABLE members ADD COLUMN elderly_issued_on TEXT;
ALTER TABLE members ADD COLUMN elderly_valid_from TEXT;
ALTER TABLE members ADD COLUMN elderly_valid_until TEXT;
ALTER TABLE members ADD COLUMN elderly_copay_ratio INTEGER;
ALTER TABLE members ADD COLUMN notified_on TEXT;
ALTER TABLE members ADD COLUMN registered_at TEXT;
-- The late-registration report reads one insurer's members by notice date.
CREATE INDEX members_notified ON members (insurer_number, notified_on) WHERE notified_on IS NOT NULL;

CREATE TABLE member_events (
    event_id  INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (member_id),
    kind      TEXT    NOT NULL CHECK (kind IN ('acquired', 'changed', 'lost')),
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    changes   TEXT    NOT NULL
);
CREATE INDEX member_events_member ON member_events (member_id, event_id);
