-- A bid/no-bid assessment: after the screening gates, the questions public bid/no-bid frameworks weigh
-- (strategic fit, the chance of winning, value against the cost of bidding, capacity, partners), each
-- rated 1 to 5 by whoever records the decision. {} when a decision was recorded without one.
ALTER TABLE decisions ADD COLUMN assessment jsonb NOT NULL DEFAULT '{}'::jsonb;
