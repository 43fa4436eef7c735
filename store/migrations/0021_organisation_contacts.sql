-- Whom the team knows at an organisation: a person, an email address and a line of note, entered by hand.
-- The team's own knowledge, kept across calls: the next consortium that wants the organisation starts from
-- it, where CORDIS gives only a website and a form on the portal.
CREATE TABLE organisation_contacts (
    organisation_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    person          text NOT NULL DEFAULT '' CHECK (length(person) <= 200),
    email           text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 300),
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
