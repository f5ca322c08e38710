-- Version 3 (#22): an export may feed several sources, each reading its own columns, so the
-- bookkeeping of files and of their rows is keyed by source too. DuckDB cannot change a primary
-- key: each table is rebuilt with the new one and its rows carried over. A table an older file
-- lacks is made empty first, so that every file follows the same steps.

CREATE TABLE IF NOT EXISTS ops.files (file_name VARCHAR);
ALTER TABLE ops.files RENAME TO files_v2;
CREATE TABLE ops.files (
    file_name       VARCHAR   NOT NULL,
    file_sha256     VARCHAR   NOT NULL,
    source          VARCHAR   NOT NULL,
    format          VARCHAR   NOT NULL,
    encoding        VARCHAR,
    delimiter       VARCHAR,
    size_bytes      BIGINT    NOT NULL,
    rows_read       INTEGER   NOT NULL,
    rows_loaded     INTEGER   NOT NULL,
    rows_rejected   INTEGER   NOT NULL,
    rows_duplicate  INTEGER   NOT NULL,
    ingested_at     TIMESTAMP NOT NULL,
    status          VARCHAR   NOT NULL DEFAULT 'loaded',
    detail          VARCHAR,
    rows_replaced   INTEGER   NOT NULL DEFAULT 0,
    rows_excluded   INTEGER   NOT NULL DEFAULT 0,
    answers_rejected INTEGER  DEFAULT 0,
    PRIMARY KEY (file_name, file_sha256, source)
);
INSERT INTO ops.files BY NAME SELECT * FROM ops.files_v2;
DROP TABLE ops.files_v2;

CREATE TABLE IF NOT EXISTS ops.rejected_rows (file_name VARCHAR);
ALTER TABLE ops.rejected_rows RENAME TO rejected_rows_v2;
CREATE TABLE ops.rejected_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    column_name  VARCHAR,
    reason       VARCHAR NOT NULL,
    raw_record   VARCHAR NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);
INSERT INTO ops.rejected_rows BY NAME SELECT * FROM ops.rejected_rows_v2;
DROP TABLE ops.rejected_rows_v2;

CREATE TABLE IF NOT EXISTS ops.rejected_answers (file_name VARCHAR);
ALTER TABLE ops.rejected_answers RENAME TO rejected_answers_v2;
CREATE TABLE ops.rejected_answers (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    response_id  VARCHAR NOT NULL,
    column_name  VARCHAR NOT NULL,
    value        VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number, column_name)
);
INSERT INTO ops.rejected_answers BY NAME SELECT * FROM ops.rejected_answers_v2;
DROP TABLE ops.rejected_answers_v2;

CREATE TABLE IF NOT EXISTS ops.excluded_rows (file_name VARCHAR);
ALTER TABLE ops.excluded_rows RENAME TO excluded_rows_v2;
CREATE TABLE ops.excluded_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    response_id  VARCHAR,
    reason       VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,
    week         DATE,
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);
INSERT INTO ops.excluded_rows BY NAME SELECT * FROM ops.excluded_rows_v2;
DROP TABLE ops.excluded_rows_v2;

CREATE TABLE IF NOT EXISTS ops.findings (file_name VARCHAR);
ALTER TABLE ops.findings RENAME TO findings_v2;
CREATE TABLE ops.findings (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    response_id  VARCHAR,
    column_name  VARCHAR NOT NULL,
    finding      VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number, finding)
);
INSERT INTO ops.findings BY NAME SELECT * FROM ops.findings_v2;
DROP TABLE ops.findings_v2;

CREATE TABLE IF NOT EXISTS ops.duplicate_rows (file_name VARCHAR);
ALTER TABLE ops.duplicate_rows RENAME TO duplicate_rows_v2;
CREATE TABLE ops.duplicate_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    response_id  VARCHAR NOT NULL,
    kept_file    VARCHAR NOT NULL,
    kept_row     INTEGER NOT NULL,
    differs      BOOLEAN NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);
INSERT INTO ops.duplicate_rows BY NAME SELECT * FROM ops.duplicate_rows_v2;
DROP TABLE ops.duplicate_rows_v2;
