-- The citizen portal (マイナポータル): server-side sessions, each person's
-- last visit, and the facilities a person blocks from viewing their
-- information (閲覧拒否). Session ids are kept as SHA-256 only. Person-keyed
-- rows carry person_id (see ARCHITECTURE.md on distribution).
CREATE TABLE portal_sessions (
    session_sha256       BYTEA       PRIMARY KEY,
    csrf_token           TEXT        NOT NULL,
    -- A sign-in waiting for the app: the provider's transaction (it is
    -- forgotten a day after it expires, hence no foreign key).
    authorization_id     TEXT,
    person_id            BIGINT      REFERENCES residents (person_id),
    certificate_in_grace BOOLEAN     NOT NULL DEFAULT FALSE,
    previous_visit_at    TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    last_seen_at         TIMESTAMPTZ NOT NULL,
    expires_at           TIMESTAMPTZ NOT NULL,
    CHECK (authorization_id IS NULL OR person_id IS NULL)
);
CREATE INDEX portal_sessions_expires_at ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_person_id ON portal_sessions (person_id);

CREATE TABLE portal_visits (
    person_id     BIGINT      PRIMARY KEY REFERENCES residents (person_id),
    last_visit_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE facility_blocks (
    person_id     BIGINT      NOT NULL REFERENCES residents (person_id),
    facility_code TEXT        NOT NULL REFERENCES facilities (facility_code),
    blocked_at    TIMESTAMPTZ NOT NULL,
    -- Lifted by the person; blocked again sets blocked_at and clears it.
    unblocked_at  TIMESTAMPTZ,
    PRIMARY KEY (person_id, facility_code)
);
