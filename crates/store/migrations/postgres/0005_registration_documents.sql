-- The card's registration as insurance card (利用登録) and its cancellation
-- (解除), and the documents insurers issue: 資格確認書 (certificate) and
-- 資格情報のお知らせ (notice).
CREATE TABLE insurance_registrations (
    person_id  BIGINT      PRIMARY KEY REFERENCES residents (person_id),
    registered BOOLEAN     NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    via        TEXT        NOT NULL
);

CREATE TABLE eligibility_documents (
    serial      TEXT        PRIMARY KEY,
    member_id   BIGINT      NOT NULL REFERENCES members (member_id),
    person_id   BIGINT,
    kind        TEXT        NOT NULL CHECK (kind IN ('certificate', 'notice')),
    reason      TEXT        NOT NULL,
    issued_on   DATE        NOT NULL,
    valid_until DATE,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX eligibility_documents_member ON eligibility_documents (member_id, issued_on);
CREATE INDEX eligibility_documents_person ON eligibility_documents (person_id) WHERE person_id IS NOT NULL;
