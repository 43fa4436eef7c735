-- The funding rate the applicant plans with: the share of its eligible costs the grant pays. Unset, the
-- call's published rate stands; set, it stands in for a rate the call does not publish, or one that is
-- not the applicant's (a non-profit is paid 100% in a Horizon innovation action, whose published rate is
-- 70%). With it the budget split says what the applicant's own share costs it: the eligible costs the
-- share stands for, less the grant, which a small NGO must find from its own funds.
ALTER TABLE consortium_plans ADD COLUMN funding_rate numeric(5, 2) CHECK (funding_rate > 0 AND funding_rate <= 100);
