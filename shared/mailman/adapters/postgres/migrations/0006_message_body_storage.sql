-- Message bodies and headers are written once and read whole, and the raw message is kept
-- in S3 besides. Compressing them with pglz (PostgreSQL's default) cost the server more
-- than anything else it did to store a message (bench/ingest.py, docs/benchmarks.md), so:
-- lz4 where the server has it (Aurora does), else no compression at all. Rows stored
-- before keep the form they were written in.
DO $$
DECLARE
    column_name text;
    has_lz4 boolean;
BEGIN
    SELECT 'lz4' = ANY (enumvals) INTO has_lz4
    FROM pg_settings WHERE name = 'default_toast_compression';
    FOREACH column_name IN ARRAY ARRAY['text_body', 'html_body', 'extracted_text', 'headers'] LOOP
        IF has_lz4 THEN
            EXECUTE format('ALTER TABLE messages ALTER COLUMN %I SET COMPRESSION lz4',
                           column_name);
        ELSE
            EXECUTE format('ALTER TABLE messages ALTER COLUMN %I SET STORAGE EXTERNAL',
                           column_name);
        END IF;
    END LOOP;
END
$$;
