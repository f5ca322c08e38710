-- Rows that could not be used, with a reason a person can act on.
CREATE TABLE IF NOT EXISTS ops.rejected_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,  -- the row as numbered in a spreadsheet (header = 1)
    column_name  VARCHAR,           -- the first column at fault, NULL when the whole row is
    reason       VARCHAR NOT NULL,  -- every problem found in the row, separated by ' | '
    raw_record   VARCHAR NOT NULL,  -- the row as read, JSON object of column → text
    PRIMARY KEY (file_name, file_sha256, row_number)
);
