-- The own funds leadership sets aside to co-finance projects (none: not set). The Pipeline weighs the
-- co-financing the open applications would need, were they all won, against it: a small NGO that wins
-- more than it can co-finance has to turn a grant down.
ALTER TABLE profiles ADD COLUMN cofinancing_reserve numeric(14, 2) CHECK (cofinancing_reserve >= 0);
