-- What a theme model read in a comment (themes/detect.py), kept so that a comment is read once
-- per model version and score band: a weekly run reads only new comments, a backfill does not
-- read the history again. Keyed by the comment's text hash, not its response: the same words
-- read the same. Safe to empty (DELETE FROM marts.comment_readings): it is only a cache.
CREATE TABLE IF NOT EXISTS marts.comment_readings (
    engine       VARCHAR  NOT NULL,  -- the model's name and version, e.g. 'default model 4c1f…'
    band         TINYINT  NOT NULL,  -- the respondent's score band: 0 low, 1 middle, 2 high, 3 none
    text_hash    VARCHAR  NOT NULL,  -- SHA-1 of the comment, hex
    found        VARCHAR  NOT NULL,  -- JSON [[theme, polarity, start, end, mentions, p], ...]
    tone         DOUBLE,             -- how much it complains at all (0–1), NULL without a tone
    tone_start   INTEGER,            -- its most complaining sentence's span
    tone_end     INTEGER,
    PRIMARY KEY (engine, band, text_hash)
);
