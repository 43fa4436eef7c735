-- What happened to each consortium: partners added and removed, and how far the team got with each, by
-- whom and when. The builder shows where things stand; this keeps the way there, and a removed partner's
-- note with it. The organisation's name is kept too: a merge may take the organisation away. Filled from
-- what was stored before: each member's adding, and its latest status.
CREATE TABLE consortium_events (
    id                bigserial PRIMARY KEY,
    profile_id        bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id           bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organisation_id   bigint REFERENCES organisations (id) ON DELETE SET NULL,
    organisation_name text NOT NULL,
    change            text NOT NULL
                      CHECK (change IN ('added', 'removed', 'not_asked', 'asked', 'confirmed', 'declined')),
    note              text NOT NULL DEFAULT '',
    user_id           bigint REFERENCES users (id),
    at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consortium_events_consortium ON consortium_events (profile_id, call_id, at);

INSERT INTO consortium_events (profile_id, call_id, organisation_id, organisation_name, change, user_id, at)
SELECT m.profile_id, m.call_id, m.organisation_id, o.name, 'added', m.added_by, m.added_at
FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id;

INSERT INTO consortium_events (profile_id, call_id, organisation_id, organisation_name, change, note, user_id, at)
SELECT m.profile_id, m.call_id, m.organisation_id, o.name, m.status, m.status_note, m.status_by, m.status_at
FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.status_at IS NOT NULL;
