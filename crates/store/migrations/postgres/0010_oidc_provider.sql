-- The OpenID Connect provider: relying parties, pushed authorization
-- requests, authorization transactions, codes, access tokens and used client
-- assertion ids. Codes and tokens are kept as SHA-256 only. Person-keyed rows
-- carry person_id (see ARCHITECTURE.md on distribution).
CREATE TABLE oidc_clients (
    client_id            TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    redirect_uris        TEXT NOT NULL, -- one per line
    scopes               TEXT NOT NULL,
    sector_identifier    TEXT NOT NULL,
    jwks                 TEXT NOT NULL,
    client_secret_sha256 BYTEA,
    created_at           TIMESTAMPTZ NOT NULL,
    revoked_at           TIMESTAMPTZ
);

CREATE TABLE oidc_pushed_requests (
    request_uri TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES oidc_clients (client_id),
    params      TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX oidc_pushed_requests_expires_at ON oidc_pushed_requests (expires_at);

CREATE TABLE oidc_authorizations (
    authorization_id TEXT PRIMARY KEY,
    user_code        TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL REFERENCES oidc_clients (client_id),
    request          TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'completed')),
    person_id        BIGINT REFERENCES residents (person_id),
    claims           TEXT,
    auth_time        TIMESTAMPTZ,
    decided_at       TIMESTAMPTZ
);
CREATE INDEX oidc_authorizations_expires_at ON oidc_authorizations (expires_at);

CREATE TABLE oidc_codes (
    code_sha256    BYTEA       PRIMARY KEY,
    client_id      TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    person_id      BIGINT  NOT NULL REFERENCES residents (person_id),
    redirect_uri   TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    nonce          TEXT    NOT NULL,
    code_challenge TEXT    NOT NULL,
    claims         TEXT    NOT NULL,
    auth_time      TIMESTAMPTZ    NOT NULL,
    issued_at      TIMESTAMPTZ    NOT NULL,
    expires_at     TIMESTAMPTZ    NOT NULL,
    used_at        TIMESTAMPTZ
);
CREATE INDEX oidc_codes_expires_at ON oidc_codes (expires_at);

CREATE TABLE oidc_access_tokens (
    token_sha256 BYTEA       PRIMARY KEY,
    client_id    TEXT    NOT NULL REFERENCES oidc_clients (client_id),
    person_id    BIGINT  NOT NULL REFERENCES residents (person_id),
    scope        TEXT    NOT NULL,
    claims       TEXT    NOT NULL,
    issued_at    TIMESTAMPTZ    NOT NULL,
    expires_at   TIMESTAMPTZ    NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX oidc_access_tokens_expires_at ON oidc_access_tokens (expires_at);

CREATE TABLE oidc_assertion_ids (
    client_id  TEXT NOT NULL REFERENCES oidc_clients (client_id),
    jti        TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX oidc_assertion_ids_expires_at ON oidc_assertion_ids (expires_at);
