-- The steps of writing an application (partners confirmed, PICs collected, budget agreed, submitted), each
-- with the day it is due and who ticked it off: the administrative work of a bid, written down, so that it
-- does not rest on one person's memory. A step belongs to the profile's decision on the call. `deadline` is
-- the call's deadline when the due day was set: when the portal moves it, the open steps can move with it.
-- A step may be handed to a colleague (the budget to whoever keeps the accounts); otherwise it is the
-- writer's.
CREATE TABLE application_steps (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    due          date,
    deadline     date,                           -- the call's deadline the due day was set against
    assignee_id  bigint REFERENCES users (id) ON DELETE SET NULL,  -- who does it; none: whoever writes it
    added_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    done_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    done_at      timestamptz
);
CREATE INDEX application_steps_decision ON application_steps (decision_id, due);

-- A profile's own usual steps, added to every application's usual list: one a line, the days before the
-- deadline then what ("30 Board approves the co-financing"), as the team writes them.
ALTER TABLE profiles ADD COLUMN own_steps text NOT NULL DEFAULT '';
