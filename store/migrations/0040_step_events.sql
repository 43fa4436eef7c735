-- What happened to each step of an application: added, renamed, its due day changed or moved with a
-- deadline, handed to a colleague, ticked off, reopened, removed and put back, by whom and when. The list
-- of steps shows where things stand; this keeps the way there, and a removed step with what it was (its
-- title, due day and who did it, in `detail`), to put it back. Filled from what was stored before: each
-- step's adding, its latest handing and its ticking off.
CREATE TABLE step_events (
    id          bigserial PRIMARY KEY,
    decision_id bigint NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    step_id     bigint NOT NULL,                -- kept once the step is removed: put back, it is the same step
    title       text NOT NULL,                  -- the step's title then (a renaming: the new one)
    change      text NOT NULL CHECK (change IN ('added', 'renamed', 'due', 'moved', 'handed', 'done', 'reopened',
                                                'removed', 'restored')),
    detail      jsonb NOT NULL DEFAULT '{}',    -- the title or due day before and after; a removed step's fields
    to_user_id  bigint REFERENCES users (id) ON DELETE SET NULL,  -- handed: to whom (none: whoever writes it)
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX step_events_decision ON step_events (decision_id, at);

INSERT INTO step_events (decision_id, step_id, title, change, detail, user_id, at)
SELECT decision_id, id, title, 'added', jsonb_build_object('due', due), added_by, added_at FROM application_steps;

INSERT INTO step_events (decision_id, step_id, title, change, to_user_id, user_id, at)
SELECT decision_id, id, title, 'handed', assignee_id, assigned_by, assigned_at FROM application_steps
 WHERE assigned_at IS NOT NULL;

INSERT INTO step_events (decision_id, step_id, title, change, user_id, at)
SELECT decision_id, id, title, 'done', done_by, done_at FROM application_steps WHERE done_at IS NOT NULL;
