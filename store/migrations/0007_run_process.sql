-- The process that runs a crawl or an import ('host pid start-time'): a run whose process died (killed,
-- machine restarted) is closed by the next run started on that host, rather than left running for ever.
ALTER TABLE crawl_runs ADD COLUMN process text;
