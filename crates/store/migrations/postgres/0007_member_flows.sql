-- The insurer's one-by-one flows (資格取得・変更・喪失): the certificates an
-- eligibility answer carries, the reason of a loss, the employer's notice
-- date and when the platform received the registration, all nullable so
-- the rows written before stay valid; and each member's history.
-- member_events is distributed on member_id, co-located with members.
ALTER TABLE members
    ADD COLUMN loss_reason         TEXT,
    ADD COLUMN limit_kind          TEXT,
    ADD COLUMN limit_category      TEXT,
    ADD COLUMN limit_issued_on     DATE,
    ADD COLUMN limit_valid_from    DATE,
    ADD COLUMN limit_valid_until   DATE,
    ADD COLUMN elderly_issued_on   DATE,
    ADD COLUMN elderly_valid_from  DATE,
    ADD COLUMN elderly_valid_until DATE,
    ADD COLUMN elderly_copay_ratio SMALLINT,
    ADD COLUMN notified_on         DATE,
    ADD COLUMN registered_at       TIMESTAMPTZ;
-- The late-registration report reads one insurer's members by notice date.
CREATE INDEX members_notified ON members (insurer_number, notified_on) WHERE notified_on IS NOT NULL;

CREATE TABLE member_events (
    event_id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id BIGINT      NOT NULL REFERENCES members (member_id),
    kind      TEXT        NOT NULL CHECK (kind IN ('acquired', 'changed', 'lost')),
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT        NOT NULL,
    changes   TEXT        NOT NULL
);
CREATE INDEX member_events_member ON member_events (member_id, event_id);
