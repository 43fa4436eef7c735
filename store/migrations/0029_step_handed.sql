-- Who handed a step to its colleague, and when: the next digest tells the colleague, once, since whoever
-- hands on the budget is seldom the one who keeps the accounts, and the step may not be due for weeks.
ALTER TABLE application_steps ADD COLUMN assigned_by bigint REFERENCES users (id) ON DELETE SET NULL,
                              ADD COLUMN assigned_at timestamptz;
