-- The texts the team writes into every application (the organisation's description, its experience in the
-- field, key staff, the projects that show it can do the work), kept once per profile rather than copied
-- from last year's proposal, each with who wrote it when. An edit keeps what the text said before, with
-- whoever wrote that: two colleagues improve the same paragraph, and neither's work should be lost.
CREATE TABLE application_texts (
    id          bigserial PRIMARY KEY,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    written_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    written_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX application_texts_title ON application_texts (profile_id, lower(title));

CREATE TABLE application_text_versions (
    id          bigserial PRIMARY KEY,
    text_id     bigint NOT NULL REFERENCES application_texts (id) ON DELETE CASCADE,
    title       text NOT NULL,
    body        text NOT NULL,
    written_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    written_at  timestamptz NOT NULL,               -- when this version was written
    replaced_at timestamptz NOT NULL DEFAULT now()  -- when an edit replaced it
);
CREATE INDEX application_text_versions_text ON application_text_versions (text_id, written_at);
