-- A place whose commune, postal code, INSEE code or point disagree is imported "à vérifier": what
-- disagrees is kept on the place (shown on its page) and counted in the import's report.
ALTER TABLE place_imports ADD COLUMN to_check BIGINT NOT NULL DEFAULT 0;
ALTER TABLE places ADD COLUMN to_check TEXT NOT NULL DEFAULT '';
