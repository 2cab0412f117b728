-- JPKI: cards, their certificates with status, the history of status changes,
-- card events and one-time sign-in challenges. Person-keyed tables carry
-- person_id (see ARCHITECTURE.md on distribution).
CREATE TABLE cards (
    card_id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_serial      TEXT        NOT NULL UNIQUE,
    person_id        BIGINT      NOT NULL REFERENCES residents (person_id),
    issued_at        TIMESTAMPTZ NOT NULL,
    expires_on       DATE        NOT NULL,
    has_pin          BOOLEAN     NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('active', 'suspended', 'revoked')),
    state_changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX cards_person_id ON cards (person_id);

CREATE TABLE certificates (
    serial           BYTEA       PRIMARY KEY,
    kind             TEXT        NOT NULL CHECK (kind IN ('auth', 'sign')),
    card_id          BIGINT      NOT NULL REFERENCES cards (card_id),
    person_id        BIGINT      NOT NULL REFERENCES residents (person_id),
    not_before       TIMESTAMPTZ NOT NULL,
    not_after        TIMESTAMPTZ NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('good', 'suspended', 'revoked')),
    reason           SMALLINT,
    state_changed_at TIMESTAMPTZ NOT NULL,
    cert_der         BYTEA       NOT NULL
);
CREATE INDEX certificates_card_id ON certificates (card_id);
-- What a CRL lists: the few certificates that are not good.
CREATE INDEX certificates_listed ON certificates (kind, serial) WHERE state <> 'good';
-- Signing certificates still in force, found by person when a name or
-- address changes.
CREATE INDEX certificates_signing_in_force ON certificates (person_id) WHERE kind = 'sign' AND state <> 'revoked';

CREATE TABLE certificate_events (
    event_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial   BYTEA       NOT NULL,
    kind     TEXT        NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    state    TEXT        NOT NULL,
    reason   SMALLINT,
    cause    TEXT        NOT NULL
);
CREATE INDEX certificate_events_kind ON certificate_events (kind, event_id);

CREATE TABLE card_events (
    event_id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id   BIGINT      NOT NULL REFERENCES cards (card_id),
    at        TIMESTAMPTZ NOT NULL,
    operation TEXT        NOT NULL,
    detail    TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX card_events_card_id ON card_events (card_id, event_id);

CREATE TABLE sign_in_challenges (
    challenge_id TEXT        PRIMARY KEY,
    nonce        BYTEA       NOT NULL,
    issued_at    TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX sign_in_challenges_expires_at ON sign_in_challenges (expires_at);

-- A change of 氏名 or 住所 revokes the signing certificates that carry them
-- (reason 3, affiliationChanged), whoever writes the registry.
CREATE FUNCTION residents_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO certificate_events (serial, kind, at, state, reason, cause)
    SELECT serial, kind, NEW.updated_at, 'revoked', 3, 'name_or_address_changed'
    FROM certificates WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
    INSERT INTO card_events (card_id, at, operation, detail)
    SELECT card_id, NEW.updated_at, 'signing_revoked', 'name_or_address_changed'
    FROM certificates WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
    UPDATE certificates SET state = 'revoked', reason = 3, state_changed_at = NEW.updated_at
    WHERE person_id = NEW.person_id AND kind = 'sign' AND state <> 'revoked';
    RETURN NULL;
END;
$$;
CREATE TRIGGER residents_identity_changed
AFTER UPDATE OF name_kanji, address ON residents
FOR EACH ROW
WHEN (OLD.name_kanji IS DISTINCT FROM NEW.name_kanji OR OLD.address IS DISTINCT FROM NEW.address)
EXECUTE FUNCTION residents_identity_changed();
