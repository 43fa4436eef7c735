-- Semantic search over organisations: each organisation's text (name and topics worked on) is
-- embedded, and its vector kept here under an HNSW index for nearest-neighbour queries.
-- 384 dimensions: all-MiniLM-L6-v2, the default model; other sizes are not indexed.
CREATE TABLE organisation_vectors (
    organisation_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    model           text NOT NULL,
    text_hash       text NOT NULL,
    embedding       vector(384) NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_vectors_hnsw ON organisation_vectors USING hnsw (embedding vector_cosine_ops);
