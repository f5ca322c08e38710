-- How much of the week's unhappiness the themes explain (themes/detect.py, `coverage`): of the
-- low scorers' comments (CSAT not satisfied or NPS detractor) of 3 words or more, how many got a
-- complaint theme of the taxonomy, how many fell in an emerging group, and what tagged them. A
-- low share is the signal to code more comments (docs/themes.md).
CREATE TABLE IF NOT EXISTS marts.theme_coverage (
    week          DATE    NOT NULL PRIMARY KEY,
    low_comments  INTEGER NOT NULL,  -- low scorers' comments of 3 words or more
    explained     INTEGER NOT NULL,  -- of them, with a complaint theme of the taxonomy
    emerging      INTEGER NOT NULL,  -- of them, in an emerging group (and no theme)
    engine        VARCHAR NOT NULL   -- e.g. 'default model 3f2a9c1e04b7', 'patterns'
);
