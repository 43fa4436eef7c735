-- What a crawl found changed in a call already stored: a deadline moved, the budget or the grant size
-- revised, the text corrected. The portal postpones and amends calls; a team writing an application plans
-- by those dates and sums, so the change is news to them. A value a crawl gives for the first time (a stub
-- completed) is not a change. `changes`: {"field": [old, new], ...; "text": true}.
CREATE TABLE call_changes (
    id       bigserial PRIMARY KEY,
    call_id  bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seen_at  timestamptz NOT NULL DEFAULT now(),
    changes  jsonb NOT NULL
);
CREATE INDEX call_changes_call ON call_changes (call_id, seen_at);
CREATE INDEX call_changes_seen ON call_changes (seen_at);
