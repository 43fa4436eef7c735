-- What the evaluators made of a bid that ended won or lost, copied from their evaluation summary report: its
-- score out of the programme's maximum, the threshold a proposal had to reach, the lowest score the call
-- funded (how close a lost bid came), and what they said. A series comes back year after year, and the
-- weaknesses they named are what next year's application answers.
ALTER TABLE decisions
    ADD COLUMN evaluation_score numeric(7, 2),
    ADD COLUMN evaluation_out_of numeric(7, 2),
    ADD COLUMN evaluation_threshold numeric(7, 2),
    ADD COLUMN evaluation_funded_from numeric(7, 2),
    ADD COLUMN evaluation_comments text NOT NULL DEFAULT '',
    ADD CONSTRAINT decisions_evaluation_check CHECK (
        (evaluation_out_of IS NOT NULL OR num_nonnulls(evaluation_score, evaluation_threshold, evaluation_funded_from) = 0)
        AND evaluation_out_of > 0
        AND evaluation_score BETWEEN 0 AND evaluation_out_of
        AND evaluation_threshold BETWEEN 0 AND evaluation_out_of
        AND evaluation_funded_from BETWEEN 0 AND evaluation_out_of
        AND ((outcome IN ('won', 'lost')) IS TRUE
             OR (num_nonnulls(evaluation_score, evaluation_out_of, evaluation_threshold, evaluation_funded_from) = 0
                 AND evaluation_comments = '')));
