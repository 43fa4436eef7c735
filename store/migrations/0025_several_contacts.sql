-- More than one person the team knows at an organisation: a university's research office and the
-- professor who leads the work, a city's international department and its social services. Each contact
-- gets an id of its own; the one kept so far stays.
ALTER TABLE organisation_contacts DROP CONSTRAINT organisation_contacts_pkey;
ALTER TABLE organisation_contacts ADD COLUMN id bigserial PRIMARY KEY;
CREATE INDEX organisation_contacts_organisation ON organisation_contacts (organisation_id);
