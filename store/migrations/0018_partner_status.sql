-- How far the team has got with each partner it wants: not asked yet, asked, confirmed, or declined, with
-- who said so and when, and a short note (whom they wrote to, what was answered). A partner that declined
-- stays on the list, so that no one asks it again, but no longer counts as a member.
ALTER TABLE consortium_members
    ADD COLUMN status     text NOT NULL DEFAULT 'not_asked'
                          CHECK (status IN ('not_asked', 'asked', 'confirmed', 'declined')),
    ADD COLUMN status_note text NOT NULL DEFAULT '' CHECK (length(status_note) <= 300),
    ADD COLUMN status_by  bigint REFERENCES users (id),
    ADD COLUMN status_at  timestamptz;
