-- Rows not loaded because their response was already loaded, row by row (their count per file is
-- ops.files.rows_duplicate): in-file copies with the row kept, and rows of a later file whose
-- response an earlier file holds. `differs`: the same id with different answers — the export
-- contradicts itself, and the run warns with both rows.
CREATE TABLE IF NOT EXISTS ops.duplicate_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,  -- the row as numbered in a spreadsheet (header = 1)
    response_id  VARCHAR NOT NULL,
    kept_file    VARCHAR NOT NULL,  -- where the response that counts was read
    kept_row     INTEGER NOT NULL,
    differs      BOOLEAN NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);
