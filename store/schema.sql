-- The reference schema: what all migrations together must produce (tests/test_migrations.py checks it).
-- Change it together with a new migration.
CREATE EXTENSION IF NOT EXISTS vector;

-- Letters with accents as plain ones, for the searches: store.text's ACCENTED_LETTERS -> PLAIN_LETTERS.
CREATE FUNCTION plain_letters(words text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(words,
                     'āčēģīķļņšūžąęėįųõäöüåøéèêëàâîïôûùçñáíóúýłńśźżćřťďňěůășşțţőűÿđĀČĒĢĪĶĻŅŠŪŽĄĘĖĮŲÕÄÖÜÅØÉÈÊËÀÂÎÏÔÛÙÇÑÁÍÓÚÝŁŃŚŹŻĆŘŤĎŇĚŮĂȘŞȚŢŐŰŸĐ',
                     'acegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouydacegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouyd');

-- Crawl -------------------------------------------------------------------------------------------

CREATE TABLE sources (
    name        text PRIMARY KEY,              -- spider or importer name, e.g. 'ft_portal', 'cordis'
    kind        text NOT NULL CHECK (kind IN ('calls', 'partners')),
    title       text NOT NULL,
    url         text
);

CREATE TABLE crawl_runs (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL REFERENCES sources (name),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'partial', 'failed')),
    pages         integer NOT NULL DEFAULT 0,
    items_seen    integer NOT NULL DEFAULT 0,
    items_new     integer NOT NULL DEFAULT 0,
    items_updated integer NOT NULL DEFAULT 0,
    items_unchanged integer NOT NULL DEFAULT 0,
    items_dropped integer NOT NULL DEFAULT 0,
    drop_reasons  jsonb NOT NULL DEFAULT '{}',
    errors        jsonb NOT NULL DEFAULT '[]',   -- [{url, error}]
    stats         jsonb NOT NULL DEFAULT '{}',
    job_id        text,
    message       text,
    process       text                           -- 'host pid start-time' of the process running it
);
CREATE INDEX crawl_runs_source_started ON crawl_runs (source, started_at DESC);

CREATE TABLE calls (
    id                bigserial PRIMARY KEY,
    source            text NOT NULL REFERENCES sources (name),
    identifier        text NOT NULL,             -- topic or call identifier, unique per source
    programme         text,                      -- readable name: 'Horizon Europe', 'Interreg Baltic Sea Region'
    programme_code    text,
    call_id           text,
    call_title        text,
    title             text NOT NULL,
    description_html  text NOT NULL DEFAULT '',  -- sanitised by the crawler before it is stored
    description_text  text NOT NULL DEFAULT '',
    conditions_html   text NOT NULL DEFAULT '',
    conditions_text   text NOT NULL DEFAULT '',
    opening_date      date,
    deadlines         jsonb NOT NULL DEFAULT '[]', -- [{"date": "YYYY-MM-DD", "stage": "single-stage|first stage|..."}]
    deadline_model    text,
    status            text NOT NULL CHECK (status IN ('forthcoming', 'open', 'closed')),
    topic_budget      numeric(16, 2),
    grant_min         numeric(16, 2),            -- NULL = unknown, never 0 for unknown
    grant_max         numeric(16, 2),
    expected_grants   integer,
    funding_rate      numeric(5, 2),
    action_type       text,
    keywords          text[] NOT NULL DEFAULT '{}',
    eligibility       jsonb NOT NULL DEFAULT '{}', -- {"countries": [...], "area": "...", "note": "..."}
    partner_search    boolean,
    url               text,
    raw               jsonb NOT NULL DEFAULT '{}',
    details_missing_on date,                     -- a stub whose topic-details page answered 404, that day
    unlisted_since    timestamptz,               -- left out by a complete crawl of its source since then
    content_hash      text NOT NULL,
    first_seen        timestamptz NOT NULL DEFAULT now(),
    last_seen         timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- the title, identifier and text without accents, for the calls search (migration 0048)
    search_text       text GENERATED ALWAYS AS (plain_letters(title || ' ' || identifier || ' ' || description_text)) STORED,
    UNIQUE (source, identifier)
);
CREATE INDEX calls_programme ON calls (programme);
CREATE INDEX calls_fulltext ON calls USING gin (to_tsvector('english', title || ' ' || description_text));

-- What a crawl found changed in a stored call (a deadline moved, a budget revised, the text corrected):
-- {"field": [old, new], ...; "text": true}. A value given for the first time is not a change.
CREATE TABLE call_changes (
    id       bigserial PRIMARY KEY,
    call_id  bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seen_at  timestamptz NOT NULL DEFAULT now(),
    changes  jsonb NOT NULL
);
CREATE INDEX call_changes_call ON call_changes (call_id, seen_at);
CREATE INDEX call_changes_seen ON call_changes (seen_at);

-- Partners ----------------------------------------------------------------------------------------

CREATE TABLE organisations (
    id          bigserial PRIMARY KEY,
    pic         text UNIQUE,                     -- Participant Identification Code: the one cross-source key
    name        text NOT NULL,
    short_name  text,
    country     text,                            -- ISO 3166 alpha-2 (EL -> GR, UK -> GB normalised)
    city        text,
    sector      text CHECK (sector IN ('academic', 'research', 'private', 'public', 'ngo', 'other')),
    org_type    text,                            -- the source's own type, e.g. CORDIS activityType HES/REC/PRC/PUB/OTH
    website     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- the name and short name without accents, for the name search (migration 0047)
    search_name text GENERATED ALWAYS AS (
        translate(name || ' ' || coalesce(short_name, ''),
                  'āčēģīķļņšūžąęėįųõäöüåøéèêëàâîïôûùçñáíóúýłńśźżćřťďňěůășşțţőűÿđĀČĒĢĪĶĻŅŠŪŽĄĘĖĮŲÕÄÖÜÅØÉÈÊËÀÂÎÏÔÛÙÇÑÁÍÓÚÝŁŃŚŹŻĆŘŤĎŇĚŮĂȘŞȚŢŐŰŸĐ',
                  'acegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouydacegiklnsuzaeeiuoaouaoeeeeaaiiouucnaiouylnszzcrtdneuassttouyd')) STORED
);
CREATE INDEX organisations_country ON organisations (country);
CREATE INDEX organisations_name ON organisations (lower(name));

-- The ids each source gives an organisation; merging happens only through these, never on names.
CREATE TABLE organisation_identifiers (
    scheme          text NOT NULL,               -- 'cordis', 'keep', 'erasmus'
    value           text NOT NULL,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (scheme, value)
);
CREATE INDEX organisation_identifiers_org ON organisation_identifiers (organisation_id);

-- Topics of past calls (CORDIS topics.csv): what projects were funded under.
CREATE TABLE topics (
    code        text PRIMARY KEY,                -- e.g. 'MSCA-IF-2019', 'SC5-04-2015'
    title       text NOT NULL DEFAULT '',
    framework   text
);

CREATE TABLE projects (
    id              bigserial PRIMARY KEY,
    source          text NOT NULL REFERENCES sources (name),
    source_id       text NOT NULL,
    acronym         text,
    title           text,
    objective       text,
    framework       text,                        -- 'H2020', 'HORIZON', 'Interreg', 'Erasmus+'
    programme       text,
    topic_code      text,
    topic_title     text,
    call_id         text,
    funding_scheme  text,
    start_date      date,
    end_date        date,
    total_cost      numeric(16, 2),
    eu_contribution numeric(16, 2),
    UNIQUE (source, source_id)
);
CREATE INDEX projects_topic ON projects (topic_code);

CREATE TABLE participations (
    project_id      bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role            text NOT NULL,               -- coordinator, participant, partner, thirdParty, lead
    position        integer NOT NULL DEFAULT 1,  -- the source's order; one organisation can take part twice
    eu_contribution numeric(16, 2),
    PRIMARY KEY (project_id, organisation_id, role, position)
);
CREATE INDEX participations_org ON participations (organisation_id);

-- Embed -------------------------------------------------------------------------------------------

-- One vector per (model, exact text): unchanged text is never embedded twice, models never mix.
CREATE TABLE embeddings (
    model       text NOT NULL,
    text_hash   text NOT NULL,
    dims        integer NOT NULL,
    embedding   vector NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, text_hash)
);

-- Semantic search over organisations (name and topics worked on), served by an HNSW index.
CREATE TABLE organisation_vectors (
    organisation_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    model           text NOT NULL,
    text_hash       text NOT NULL,
    embedding       vector(384) NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_vectors_hnsw ON organisation_vectors USING hnsw (embedding vector_cosine_ops);

-- Match -------------------------------------------------------------------------------------------

CREATE TABLE profiles (
    id                  bigserial PRIMARY KEY,
    name                text NOT NULL UNIQUE,
    mission             text NOT NULL DEFAULT '',
    themes              text NOT NULL DEFAULT '',
    past_projects       text NOT NULL DEFAULT '',
    programmes          text[] NOT NULL DEFAULT '{}',
    countries           text[] NOT NULL DEFAULT '{}',
    organisation_types  text[] NOT NULL DEFAULT '{}',
    min_project_size    numeric(16, 2),          -- smallest grant worth bidding for, EUR
    cofinancing_reserve numeric(14, 2) CHECK (cofinancing_reserve >= 0),  -- own funds set aside to co-finance, EUR
    min_lead_days       integer NOT NULL DEFAULT 21,
    conflicts           text NOT NULL DEFAULT '',  -- one a line: call identifier (or its start) or programme[: why]
    own_steps           text NOT NULL DEFAULT '',  -- one a line: days before the deadline, then the step
    organisation_id     bigint REFERENCES organisations (id),
    weights             jsonb NOT NULL DEFAULT '{}',
    assessment_weights  jsonb NOT NULL DEFAULT '{}'::jsonb,  -- {question: 0 to 5} for the assessment's mean; {}: alike
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX profiles_name_case ON profiles (lower(name));  -- unique case aside

CREATE TABLE match_results (
    profile_id    bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id       bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    model         text NOT NULL,
    score         double precision NOT NULL,
    rank          integer,
    signals       jsonb NOT NULL DEFAULT '{}',
    gates         jsonb NOT NULL DEFAULT '[]',   -- [{"gate": "deadline", "passed": false, "reason": "..."}]
    screened_out  boolean NOT NULL DEFAULT false,
    explanation   jsonb NOT NULL DEFAULT '{}',
    inputs_hash   text NOT NULL,                 -- call content + profile + model: unchanged inputs are not re-scored
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, call_id)
);
CREATE INDEX match_results_rank ON match_results (profile_id, rank);

-- Decide ------------------------------------------------------------------------------------------

CREATE TABLE users (
    id                bigserial PRIMARY KEY,
    email             text NOT NULL UNIQUE,
    password_hash     text NOT NULL,
    role              text NOT NULL CHECK (role IN ('manager', 'leadership', 'admin')),
    active            boolean NOT NULL DEFAULT true,  -- false: can no longer sign in, gets no digest
    digest_frequency  text NOT NULL DEFAULT 'weekly' CHECK (digest_frequency IN ('daily', 'weekly', 'never')),
    digest_top        integer NOT NULL DEFAULT 50 CHECK (digest_top BETWEEN 1 AND 1000),  -- new calls ranked this high
    digest_days_ahead integer NOT NULL DEFAULT 30,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_login_at     timestamptz,
    profile_id        bigint REFERENCES profiles (id) ON DELETE SET NULL,  -- the profile worked on; NULL: the first
    emails_at_once    boolean NOT NULL DEFAULT true  -- mentioned, handed a step or named to write: emailed at once
);

-- Who created a profile, and who saved it last (profiles come before users, so the columns are added here).
ALTER TABLE profiles ADD COLUMN created_by bigint REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE profiles ADD COLUMN updated_by bigint REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE decisions (
    id            bigserial PRIMARY KEY,
    profile_id    bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id       bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    state         text NOT NULL CHECK (state IN ('bid', 'no_bid', 'maybe')),
    reason        text NOT NULL,
    note          text NOT NULL DEFAULT '',
    approval      text NOT NULL DEFAULT 'not_needed' CHECK (approval IN ('not_needed', 'pending', 'approved', 'rejected')),
    outcome       text CHECK (outcome IN ('submitted', 'won', 'lost', 'withdrawn')),
    overrides     jsonb NOT NULL DEFAULT '[]'::jsonb,  -- the gates a bid or maybe overrode: [{gate, reason}]
    assessment    jsonb NOT NULL DEFAULT '{}'::jsonb,  -- the bid/no-bid questions rated 1 to 5: {question: rating}
    lead_id       bigint REFERENCES users (id) ON DELETE SET NULL,  -- who writes the application
    lead_emailed_at timestamptz,                   -- when they were emailed that they write it (else the digest)
    approval_emailed_to bigint[] NOT NULL DEFAULT '{}',  -- who was emailed leadership's latest answer (else the digest)
    -- the evaluation summary report of a bid won or lost: its score, the threshold, the lowest score funded
    evaluation_score numeric(7, 2),
    evaluation_out_of numeric(7, 2),
    evaluation_threshold numeric(7, 2),
    evaluation_funded_from numeric(7, 2),
    evaluation_comments text NOT NULL DEFAULT '',  -- what the evaluators said
    -- its score under each criterion: [{"name": "Impact", "score": "3.5", "out_of": "5"}]
    evaluation_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,
    decided_by    bigint REFERENCES users (id),
    approved_by   bigint REFERENCES users (id),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (profile_id, call_id),
    CONSTRAINT decisions_evaluation_check CHECK (
        (evaluation_out_of IS NOT NULL OR num_nonnulls(evaluation_score, evaluation_threshold, evaluation_funded_from) = 0)
        AND evaluation_out_of > 0
        AND evaluation_score BETWEEN 0 AND evaluation_out_of
        AND evaluation_threshold BETWEEN 0 AND evaluation_out_of
        AND evaluation_funded_from BETWEEN 0 AND evaluation_out_of
        AND ((outcome IN ('won', 'lost')) IS TRUE
             OR (num_nonnulls(evaluation_score, evaluation_out_of, evaluation_threshold, evaluation_funded_from) = 0
                 AND evaluation_comments = ''))),
    CONSTRAINT decisions_evaluation_criteria_check CHECK (
        jsonb_typeof(evaluation_criteria) = 'array'
        AND (evaluation_criteria = '[]'::jsonb OR (outcome IN ('won', 'lost')) IS TRUE))
);

-- Append-only: who changed what, when. Never updated, never deleted.
CREATE TABLE decision_events (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    user_id      bigint REFERENCES users (id),
    at           timestamptz NOT NULL DEFAULT now(),
    change       jsonb NOT NULL                  -- {"field": [old, new], ...}
);
CREATE INDEX decision_events_decision ON decision_events (decision_id, at);

-- The steps of writing an application, each with the day it is due and who ticked it off.
CREATE TABLE application_steps (
    id           bigserial PRIMARY KEY,
    decision_id  bigint NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    usual        text,                           -- the usual step it was added as, kept when renamed
    due          date,
    deadline     date,                           -- the call's deadline the due day was set against
    assignee_id  bigint REFERENCES users (id) ON DELETE SET NULL,  -- who does it; none: whoever writes it
    added_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    done_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    done_at      timestamptz,
    assigned_by  bigint REFERENCES users (id) ON DELETE SET NULL,  -- who handed it to the assignee, and when
    assigned_at  timestamptz,
    handed_emailed_at timestamptz                -- when the assignee was emailed of it (else the digest tells)
);
CREATE INDEX application_steps_decision ON application_steps (decision_id, due);

-- What happened to each step: added, renamed, its due day changed or moved with a deadline, handed, ticked off,
-- reopened, removed (with what it was, to put back) and put back, by whom and when.
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

CREATE TABLE consortium_members (
    profile_id      bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id         bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    added_by        bigint REFERENCES users (id),
    added_at        timestamptz NOT NULL DEFAULT now(),
    -- How far the team has got with the partner; one that declined stays listed but is not a member.
    status          text NOT NULL DEFAULT 'not_asked' CHECK (status IN ('not_asked', 'asked', 'confirmed', 'declined')),
    status_note     text NOT NULL DEFAULT '' CHECK (length(status_note) <= 300),
    status_by       bigint REFERENCES users (id),
    status_at       timestamptz,
    coordinator     boolean NOT NULL DEFAULT false,  -- the member that leads the proposal (none: the applicant)
    budget          numeric(14, 2) CHECK (budget >= 0),  -- the EU contribution planned for it; none: not yet
    PRIMARY KEY (profile_id, call_id, organisation_id)
);
CREATE UNIQUE INDEX consortium_members_one_coordinator ON consortium_members (profile_id, call_id) WHERE coordinator;

-- The applicant's own share of the planned split, the funding rate it plans with (none: the call's), and who
-- last saved the split.
CREATE TABLE consortium_plans (
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    own_budget  numeric(14, 2) CHECK (own_budget >= 0),   -- the applicant's share; none: not planned yet
    set_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    set_at      timestamptz NOT NULL DEFAULT now(),
    funding_rate numeric(5, 2) CHECK (funding_rate > 0 AND funding_rate <= 100),
    PRIMARY KEY (profile_id, call_id)
);

-- Whom the team knows at an organisation (entered by hand, kept across calls).
CREATE TABLE organisation_contacts (
    id              bigserial PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    person          text NOT NULL DEFAULT '' CHECK (length(person) <= 200),
    email           text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    note            text NOT NULL DEFAULT '' CHECK (length(note) <= 300),
    updated_by      bigint REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_contacts_organisation ON organisation_contacts (organisation_id);

-- What happened to each consortium (partners added, removed, asked, ...), by whom and when; the name is
-- kept, since a merge may take the organisation away.
CREATE TABLE consortium_events (
    id                bigserial PRIMARY KEY,
    profile_id        bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id           bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    organisation_id   bigint REFERENCES organisations (id) ON DELETE SET NULL,
    organisation_name text NOT NULL,
    change            text NOT NULL
                      CHECK (change IN ('added', 'removed', 'not_asked', 'asked', 'confirmed', 'declined', 'coordinator',
                                        'not_coordinator')),
    note              text NOT NULL DEFAULT '',
    user_id           bigint REFERENCES users (id),
    at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consortium_events_consortium ON consortium_events (profile_id, call_id, at);

-- The team's discussion of a call, for a profile; `edited_at`: when its author last changed it.
CREATE TABLE call_comments (
    id          bigserial PRIMARY KEY,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    at          timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz
);
CREATE INDEX call_comments_call ON call_comments (profile_id, call_id, at);

-- What a comment said before each edit, and when that text was written.
CREATE TABLE comment_versions (
    id          bigserial PRIMARY KEY,
    comment_id  bigint NOT NULL REFERENCES call_comments (id) ON DELETE CASCADE,
    body        text NOT NULL,
    written_at  timestamptz NOT NULL,               -- when this text was written (the comment, or an edit)
    replaced_at timestamptz NOT NULL DEFAULT now()  -- when an edit replaced it
);
CREATE INDEX comment_versions_comment ON comment_versions (comment_id, written_at);

-- The colleagues a comment names (@ and their address before the @), each since the comment or the edit that
-- first named them; `emailed_at`: when they were emailed of it (else their next digest tells it).
CREATE TABLE comment_mentions (
    comment_id  bigint NOT NULL REFERENCES call_comments (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    emailed_at  timestamptz,
    PRIMARY KEY (comment_id, user_id)
);
CREATE INDEX comment_mentions_user ON comment_mentions (user_id, at);

-- A colleague's own choice to follow a call's discussion (in their digest) or not; without a row, having
-- decided on the call, writing it or having commented decides. Mentions reach them either way.
CREATE TABLE discussion_follows (
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following   boolean NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, call_id, user_id)
);

-- When each colleague last read a call's discussion under a profile: colleagues' comments since are new to them.
CREATE TABLE discussion_read (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    call_id     bigint NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, profile_id, call_id)
);

-- When each colleague last looked at the Pipeline's "Lately" for a profile: what the others did since is new.
CREATE TABLE lately_seen (
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id  bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    PRIMARY KEY (user_id, profile_id)
);

-- The texts the team writes into every application, once per profile; an edit keeps what it said before.
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

-- Notify ------------------------------------------------------------------------------------------

CREATE TABLE digests (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    period_start  timestamptz NOT NULL,
    period_end    timestamptz NOT NULL,
    sent_at       timestamptz,
    call_ids      bigint[] NOT NULL DEFAULT '{}',
    subject       text NOT NULL DEFAULT '',
    UNIQUE (user_id, period_start)                -- the same period is never sent twice
);

-- A search of the calls page a user watches: the new calls it finds come in their digest (migration 0049),
-- screened and ranked for the profile it was watched from (0050).
CREATE TABLE watched_searches (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    profile_id bigint NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    search     jsonb NOT NULL,  -- the calls page's filters: {"text", "programme", "min_grant", "show_screened"}
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, profile_id, search)
);
