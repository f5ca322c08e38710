-- Rows that could not be used, with a reason a person can act on.
CREATE TABLE IF NOT EXISTS ops.rejected_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,  -- the row as numbered in a spreadsheet (header = 1)
    column_name  VARCHAR,           -- the first column at fault, NULL when the whole row is
    reason       VARCHAR NOT NULL,  -- every problem found in the row, separated by ' | '
    raw_record   VARCHAR NOT NULL,  -- the row as read, JSON object of column → text
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);

-- Answers that could not be used in rows that were loaded (#22: a row keeps its other answers
-- and its comment): one row per answer, counted per file in ops.files.answers_rejected. A row
-- with nothing usable left is rejected whole, in ops.rejected_rows.
CREATE TABLE IF NOT EXISTS ops.rejected_answers (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,  -- the row as numbered in a spreadsheet (header = 1)
    response_id  VARCHAR NOT NULL,
    column_name  VARCHAR NOT NULL,
    value        VARCHAR NOT NULL,  -- the answer as read
    reason       VARCHAR NOT NULL,  -- what was expected
    PRIMARY KEY (file_name, file_sha256, source, row_number, column_name)
);
