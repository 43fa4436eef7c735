-- The usual step a step was added as (`checklist.USUAL_STEPS` or the profile's own), kept when the team
-- renames it: the renamed step stands for the usual one, so "Add the usual steps" does not offer it again.
-- A step the team wrote itself, or one added before this column, has none.
ALTER TABLE application_steps ADD COLUMN usual text;
