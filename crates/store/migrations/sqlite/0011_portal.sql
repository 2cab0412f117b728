-- The citizen portal (マイナポータル): server-side sessions, each person's
-- last visit, and the facilities a person blocks from viewing their
-- information (閲覧拒否). Session ids are kept as SHA-256 only. Times are UTC
-- text `YYYY-MM-DDTHH:MM:SS.mmmZ`.
CREATE TABLE portal_sessions (
    session_sha256       BLOB    PRIMARY KEY,
    csrf_token           TEXT    NOT NULL,
    -- A sign-in waiting for the app: the provider's transaction (it is
    -- forgotten a day after it expires, hence no foreign key).
    authorization_id     TEXT,
    person_id            INTEGER REFERENCES residents (person_id),
    certificate_in_grace INTEGER NOT NULL DEFAULT 0 CHECK (certificate_in_grace IN (0, 1)),
    previous_visit_at    TEXT,
    created_at           TEXT    NOT NULL,
    last_seen_at         TEXT    NOT NULL,
    expires_at           TEXT    NOT NULL,
    CHECK (authorization_id IS NULL OR person_id IS NULL)
);
CREATE INDEX portal_sessions_expires_at ON portal_sessions (expires_at);
CREATE INDEX portal_sessions_person_id ON portal_sessions (person_id);

CREATE TABLE portal_visits (
    person_id     INTEGER PRIMARY KEY REFERENCES residents (person_id),
    last_visit_at TEXT    NOT NULL
);

CREATE TABLE facility_blocks (
    person_id     INTEGER NOT NULL REFERENCES residents (person_id),
    facility_code TEXT    NOT NULL REFERENCES facilities (facility_code),
    blocked_at    TEXT    NOT NULL,
    -- Lifted by the person; blocked again sets blocked_at and clears it.
    unblocked_at  TEXT,
    PRIMARY KEY (person_id, facility_code)
);
