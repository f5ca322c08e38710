-- One row per export file read, keyed by name and content: a changed file is read again, a known
-- one is skipped. rows_read = rows_loaded + rows_rejected + rows_duplicate, always.
CREATE TABLE IF NOT EXISTS ops.files (
    file_name       VARCHAR   NOT NULL,  -- path relative to the inbox
    file_sha256     VARCHAR   NOT NULL,  -- content hash
    source          VARCHAR   NOT NULL,  -- source name in satisfaction.yaml
    format          VARCHAR   NOT NULL,  -- csv, qualtrics, xlsx
    encoding        VARCHAR,             -- text encoding detected (NULL for xlsx)
    delimiter       VARCHAR,             -- field delimiter detected (NULL for xlsx)
    size_bytes      BIGINT    NOT NULL,
    rows_read       INTEGER   NOT NULL,  -- data rows in the file (header rows and blank lines excluded)
    rows_loaded     INTEGER   NOT NULL,  -- new responses added to raw.responses
    rows_rejected   INTEGER   NOT NULL,  -- rows written to ops.rejected_rows
    rows_duplicate  INTEGER   NOT NULL,  -- response ids already seen (this file or earlier)
    ingested_at     TIMESTAMP NOT NULL,  -- UTC
    PRIMARY KEY (file_name, file_sha256)
);
