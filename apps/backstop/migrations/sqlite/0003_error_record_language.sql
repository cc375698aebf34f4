-- Error records keep the language their message was sent in (docs/CONTRACT.md §13): the
-- response's Content-Language. NULL for records written before localization.
ALTER TABLE error_records ADD COLUMN language TEXT;
