-- Rows that are not customers answering, left out as the survey tool's own reports leave them
-- out: Qualtrics survey previews and tests (Status 1 and 2, DistributionChannel preview and
-- test), spam (Status 8), and unfinished responses (Finished = 0) for a source with
-- `unfinished: exclude`; and, for a source with `invitations: unanswered_rows`, invitations
-- nobody answered (rows without any answer), for the response rate. Counted per file in
-- ops.files.rows_excluded.
CREATE TABLE IF NOT EXISTS ops.excluded_rows (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,  -- the row as numbered in a spreadsheet (header = 1)
    response_id  VARCHAR,
    reason       VARCHAR NOT NULL,  -- survey_preview, survey_test, spam, unfinished or unanswered
    detail       VARCHAR NOT NULL,  -- the cell that says so, e.g. 'Status = 2'
    week         DATE,              -- unanswered: the week the invitation was sent
    PRIMARY KEY (file_name, file_sha256, source, row_number)
);

-- Loaded rows where the export contradicts itself, for a person to look at: a Qualtrics NPS
-- group column (Q2_NPS_GROUP) that disagrees with the NPS answer's category, or holds no group.
-- The response is loaded and scored by its answer (0-6 detractor, 7-8 passive, 9-10 promoter).
-- Recorded once, when the response is stored (not again when a cumulative export repeats it).
CREATE TABLE IF NOT EXISTS ops.findings (
    file_name    VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    row_number   INTEGER NOT NULL,
    response_id  VARCHAR,
    column_name  VARCHAR NOT NULL,
    finding      VARCHAR NOT NULL,  -- nps_group_disagrees, nps_group_unknown
    detail       VARCHAR NOT NULL,
    PRIMARY KEY (file_name, file_sha256, source, row_number, finding)
);
