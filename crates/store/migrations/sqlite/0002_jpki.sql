-- JPKI: cards, their certificates with status, the history of status changes,
-- card events and one-time sign-in challenges. Times are UTC text
-- `YYYY-MM-DDTHH:MM:SS.mmmZ` (fixed width, so text order is time order).
CREATE TABLE cards (
    card_id          INTEGER PRIMARY KEY,
    card_serial      TEXT    NOT NULL UNIQUE,
    person_id        INTEGER NOT NULL REFERENCES residents (person_id),
    issued_at        TEXT    NOT NULL,
    expires_on       TEXT    NOT NULL,
    has_pin          INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('active', 'suspended', 'revoked')),
    state_changed_at TEXT    NOT NULL
);
CREATE INDEX cards_person_id ON cards (person_id);

CREATE TABLE certificates (
    serial           BLOB    PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('auth', 'sign')),
    card_id          INTEGER NOT NULL REFERENCES cards (card_id),
    person_id        INTEGER NOT NULL REFERENCES residents (person_id),
    not_before       TEXT    NOT NULL,
    not_after        TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('good', 'suspended', 'revoked')),
    reason           INTEGER,
    state_changed_at TEXT    NOT NULL,
    cert_der         BLOB    NOT NULL
);
CREATE INDEX certificates_card_id ON certificates (card_id);
-- What a CRL lists: the few certificates that are not good.
CREATE INDEX certificates_listed ON certificates (kind, serial) WHERE state <> 'good';
-- Signing certificates still in force, found by person when a name or
-- address changes.
CREATE INDEX certificates_signing_in_force ON certificates (person_id) WHERE kind = 'sign' AND state <> 'revoked';

CREATE TABLE certificate_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    serial   BLOB    NOT NULL,
    kind     TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    reason   INTEGER,
    cause    TEXT    NOT NULL
);
CREATE INDEX certificate_events_kind ON certificate_events (kind, event_id);

CREATE TABLE card_events (
    event_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id   INTEGER NOT NULL REFERENCES cards (card_id),
    at        TEXT    NOT NULL,
    operation TEXT    NOT NULL,
    detail    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX card_events_card_id ON card_events (card_id, event_id);

CREATE TABLE sign_in_challenges (
    challenge_id TEXT PRIMARY KEY,
    nonce        BLOB NOT NULL,
    issued_at    TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX sign_in_challenges_expires_at ON sign_in_challenges (expires_at);

-- A change of 氏名 or 住所 revokes the signing certificates that carry them
-- (reason 3, affiliationChanged), whoever writes the registry.
CREATE TRIGGER residents_identity_changed
AFTER UPDATE OF name_kanji, address ON residents
WHEN OLD.name_kanji IS NOT NEW.name_kanji OR OLD.address IS NOT NEW.address
BEGIN
    INSERT INTO certificate_events (serial, kind, at, state, reason, cause)
    SELECT serial, kind, NEW.updated_at, 'revoked', 3, 'name_or_address_changed'
    FROM certificates WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
    INSERT INTO card_events (card_id, at, operation, detail)
    SELECT card_id, NEW.updated_at, 'signing_revoked', 'name_or_address_changed'
    FROM certificates WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
    UPDATE certificates SET state = 'revoked', reason = 3, state_changed_at = NEW.updated_at
    WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
END;
