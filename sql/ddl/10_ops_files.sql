-- One row per export file met in the inbox and source reading it (a file that several sources
-- share is read by each), keyed by name, content and source. A loaded file is skipped
-- while unchanged; a failed one is tried again on every run (the configuration may have been
-- fixed) and its row replaced. For every row: rows_read = rows_loaded + rows_rejected +
-- rows_duplicate + rows_excluded (a blocking asset check verifies it).
CREATE TABLE IF NOT EXISTS ops.files (
    file_name       VARCHAR   NOT NULL,  -- path relative to the inbox
    file_sha256     VARCHAR   NOT NULL,  -- content hash
    source          VARCHAR   NOT NULL,  -- source name in satisfaction.yaml
    format          VARCHAR   NOT NULL,  -- csv, qualtrics, surveymonkey, google_forms, typeform, xlsx, json, jsonl
    encoding        VARCHAR,             -- text encoding chosen (NULL for xlsx)
    delimiter       VARCHAR,             -- field delimiter detected (NULL for xlsx, json)
    size_bytes      BIGINT    NOT NULL,
    rows_read       INTEGER   NOT NULL,  -- data rows in the file (header rows and blank lines excluded)
    rows_loaded     INTEGER   NOT NULL,  -- responses added to (or replaced in) raw.responses
    rows_rejected   INTEGER   NOT NULL,  -- rows written to ops.rejected_rows
    rows_duplicate  INTEGER   NOT NULL,  -- response ids already seen (this file or earlier)
    ingested_at     TIMESTAMP NOT NULL,  -- UTC
    status          VARCHAR   NOT NULL DEFAULT 'loaded',  -- loaded | failed | duplicate_file
    detail          VARCHAR,             -- why it failed, or which file it repeats
    rows_replaced   INTEGER   NOT NULL DEFAULT 0,  -- of rows_loaded, newer versions of known responses
    rows_excluded   INTEGER   NOT NULL DEFAULT 0,  -- survey previews, tests, spam (ops.excluded_rows)
    PRIMARY KEY (file_name, file_sha256, source)
);
-- Warehouses created before these columns existed.
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'loaded';
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS detail VARCHAR;
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS rows_replaced INTEGER DEFAULT 0;
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS rows_excluded INTEGER DEFAULT 0;
-- answers set aside in loaded rows (ops.rejected_answers): not rows, outside the row accounting
ALTER TABLE ops.files ADD COLUMN IF NOT EXISTS answers_rejected INTEGER DEFAULT 0;

-- Files whose latest attempt failed and that no later version has replaced: still to fix.
CREATE OR REPLACE VIEW ops.unreadable_files AS
SELECT file_name, source, detail, ingested_at
FROM ops.files AS f
WHERE status = 'failed'
  AND NOT EXISTS (
      SELECT 1 FROM ops.files AS later
      WHERE later.file_name = f.file_name AND later.source = f.source AND later.status <> 'failed'
        AND later.ingested_at >= f.ingested_at
  );
