-- Segments the report highlights, one row per finding (scoring/standouts.py, docs/methodology.md "Standouts"):
--   above / below       the segment's 95 % interval wholly above / below the overall score in
--                       weeks_out of the last window_weeks weeks (and not the other way this week)
--   diverging_levels    this week `metric` is above the overall that way, `other_metric` below
--   diverging_changes   `metric` rose significantly, `other_metric` fell significantly
CREATE TABLE IF NOT EXISTS marts.standouts (
    week           DATE    NOT NULL,
    kind           VARCHAR NOT NULL,  -- above, below, diverging_levels, diverging_changes
    dimension      VARCHAR NOT NULL,
    segment        VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,  -- the question that stands out, is above, or rose
    scale          VARCHAR NOT NULL,
    n              INTEGER NOT NULL,
    score          DOUBLE  NOT NULL,
    overall        DOUBLE  NOT NULL,  -- the overall score of that question this week
    change         DOUBLE,            -- diverging_changes: its rise
    other_metric   VARCHAR,           -- diverging: the question below, or that fell
    other_scale    VARCHAR,
    other_n        INTEGER,
    other_score    DOUBLE,
    other_overall  DOUBLE,
    other_change   DOUBLE,
    weeks_out      INTEGER,           -- above / below: weeks the rule held
    window_weeks   INTEGER,
    explanation_en VARCHAR NOT NULL,  -- one line the report prints
    explanation_fr VARCHAR NOT NULL
);
