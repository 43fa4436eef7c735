-- A search of the calls page a user watches: the calls first seen since their last digest that it finds come
-- in their next one ("Latgale", "youth" in Erasmus+), whatever their rank for the profile.
CREATE TABLE watched_searches (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    search     jsonb NOT NULL,  -- the calls page's filters: {"text", "programme", "min_grant", "show_screened"}
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, search)
);
