-- Calls or programmes the organisation may not or will not bid for (a colleague evaluates the call, the
-- director sits on the programme's monitoring committee), one a line with why: a screening gate.
ALTER TABLE profiles ADD COLUMN conflicts text NOT NULL DEFAULT '';
