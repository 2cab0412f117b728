-- Linkage integrity (総点検): the state of each member's link, suspensions of
-- wrong links, notices to citizens, the blocking key that finds an unlinked
-- member's resident, and a minimal access log for the audit of suspended links.
-- Times are UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`.

-- NULL while the member is unlinked; `active` (usable), `suspended` (judged a
-- different person: unusable until an insurer confirms or corrects it) or
-- `confirmed` (an insurer confirmed or corrected it; imports keep it).
ALTER TABLE members ADD COLUMN link_state TEXT
    CHECK (link_state IN ('active', 'suspended', 'confirmed'));
UPDATE members SET link_state = 'active' WHERE person_id IS NOT NULL;
CREATE INDEX members_link_suspended ON members (member_id) WHERE link_state = 'suspended';

-- Normalised カナ氏名 and 生年月日 (`カナ|YYYY-MM-DD`), computed by onshi at
-- upsert with the domain's normaliser; NULL for rows written before this
-- migration until the inspection fills them.
ALTER TABLE residents ADD COLUMN match_key TEXT;
CREATE INDEX residents_match_key ON residents (match_key);

-- One row per wrong link held: the key (member, person) makes a suspension
-- idempotent, so an inspection run twice suspends once.
CREATE TABLE linkage_suspensions (
    member_id    INTEGER NOT NULL REFERENCES members (member_id),
    person_id    INTEGER NOT NULL REFERENCES residents (person_id),
    source       TEXT    NOT NULL CHECK (source IN ('import', 'registry', 'inspection')),
    reasons      TEXT    NOT NULL,
    suspended_at TEXT    NOT NULL,
    resolution   TEXT    CHECK (resolution IN ('confirmed', 'corrected')),
    resolved_at  TEXT,
    resolved_by  TEXT,
    corrected_to INTEGER REFERENCES residents (person_id),
    PRIMARY KEY (member_id, person_id)
);

-- Notices to a citizen, shown in the portal; (person, kind, reference) is
-- the idempotency key.
CREATE TABLE notices (
    notice_id  INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES residents (person_id),
    kind       TEXT    NOT NULL,
    reference  TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    read_at    TEXT,
    UNIQUE (person_id, kind, reference)
);

-- Every access to a person's medical information, with the member (linkage)
-- it went through. Minimal: the medical-information work extends it.
CREATE TABLE medical_access_log (
    access_id     INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES residents (person_id),
    member_id     INTEGER REFERENCES members (member_id),
    facility_code TEXT,
    accessor      TEXT    NOT NULL,
    what          TEXT    NOT NULL,
    basis         TEXT    NOT NULL,
    accessed_at   TEXT    NOT NULL
);
CREATE INDEX medical_access_log_person ON medical_access_log (person_id, accessed_at);
CREATE INDEX medical_access_log_member ON medical_access_log (member_id, accessed_at) WHERE member_id IS NOT NULL;
