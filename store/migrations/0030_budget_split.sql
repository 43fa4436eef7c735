-- The planned split of a project's grant: the EU contribution each member of a consortium is to receive,
-- and the applicant's own share (`consortium_plans`, with who last saved the split and when). A budget
-- agreed with each partner is a step of every application; written beside the consortium, the split shows
-- at once whether it fits what the call gives a project, and what the applicant's own part is worth.
ALTER TABLE consortium_members ADD COLUMN budget numeric(14, 2) CHECK (budget >= 0);

CREATE TABLE consortium_plans (
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    own_budget  numeric(14, 2) CHECK (own_budget >= 0),   -- the applicant's share; none: not planned yet
    set_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    set_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, call_id)
);
