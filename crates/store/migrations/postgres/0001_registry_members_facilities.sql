-- The registry, insurers, members and facilities.
-- Person-keyed tables carry person_id; see ARCHITECTURE.md for how they
-- distribute on a Citus cluster.
CREATE TABLE residents (
    person_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resident_code TEXT     NOT NULL UNIQUE,
    my_number     TEXT     NOT NULL UNIQUE,
    name_kanji    TEXT     NOT NULL,
    name_kana     TEXT     NOT NULL,
    birth_date    DATE     NOT NULL,
    sex           SMALLINT NOT NULL,
    address       TEXT     NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE insurers (
    insurer_number TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT ''
);

CREATE TABLE members (
    member_id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    insurer_number TEXT     NOT NULL REFERENCES insurers (insurer_number),
    symbol         TEXT     NOT NULL,
    number         TEXT     NOT NULL,
    branch         SMALLINT NOT NULL,
    relationship   SMALLINT NOT NULL,
    name_kanji     TEXT     NOT NULL,
    name_kana      TEXT     NOT NULL,
    birth_date     DATE     NOT NULL,
    sex            SMALLINT NOT NULL,
    address        TEXT     NOT NULL,
    my_number      TEXT,
    copay_ratio    SMALLINT NOT NULL,
    acquired_on    DATE     NOT NULL,
    lost_on        DATE,
    person_id      BIGINT REFERENCES residents (person_id),
    link_method    TEXT,
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (insurer_number, symbol, number, branch)
);
CREATE INDEX members_person_id ON members (person_id) WHERE person_id IS NOT NULL;
-- Only members still waiting for their resident need finding by My Number
-- (when the registry arrives after them); linked members are found by person.
CREATE INDEX members_waiting ON members (my_number) WHERE person_id IS NULL AND my_number IS NOT NULL;

CREATE TABLE facilities (
    facility_code TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    address       TEXT NOT NULL
);
