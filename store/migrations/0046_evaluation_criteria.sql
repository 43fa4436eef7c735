-- The evaluation summary report's score under each criterion ("Impact: 3.5 of 5"): across bids, the criterion
-- the evaluators keep marking down is where the team's applications lose their points.
-- [{"name": "Impact", "score": "3.5", "out_of": "5"}], only on a bid that ended won or lost.
ALTER TABLE decisions
    ADD COLUMN evaluation_criteria jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD CONSTRAINT decisions_evaluation_criteria_check CHECK (
        jsonb_typeof(evaluation_criteria) = 'array'
        AND (evaluation_criteria = '[]'::jsonb OR (outcome IN ('won', 'lost')) IS TRUE));
