-- Who coordinates the proposal: one member (when the team joins a consortium another organisation leads,
-- "Consortium invited us"), or none, when the applicant itself coordinates. A proposal's partner list
-- starts with the coordinator. The history records the choice.
ALTER TABLE consortium_members ADD COLUMN coordinator boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX consortium_members_one_coordinator ON consortium_members (profile_id, call_id) WHERE coordinator;
ALTER TABLE consortium_events DROP CONSTRAINT consortium_events_change_check;
ALTER TABLE consortium_events ADD CONSTRAINT consortium_events_change_check
    CHECK (change IN ('added', 'removed', 'not_asked', 'asked', 'confirmed', 'declined', 'coordinator',
                      'not_coordinator'));
