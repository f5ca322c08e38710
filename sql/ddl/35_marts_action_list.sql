-- What to fix first (lib/actions.py, README "Action list"): one row per week x complaint theme x
-- metric. points = M(responses not mentioning the theme) - M(all scored responses): the points
-- the metric would gain if these customers scored like everyone else; CSAT and CES in % points
-- (satisfied, easy), NPS in NPS points. Interval: Poisson bootstrap over respondents.
CREATE TABLE IF NOT EXISTS marts.action_list (
    week                  DATE    NOT NULL,
    theme                 VARCHAR NOT NULL,
    owner                 VARCHAR NOT NULL,  -- from the taxonomy
    metric                VARCHAR NOT NULL,  -- csat, nps, ces
    responses             INTEGER NOT NULL,  -- N: the week's responses with this metric
    mentions              INTEGER NOT NULL,  -- of them, those complaining about the theme
    share_of_responses    DOUBLE,            -- complainers / responses with any score
    share_of_low_comments DOUBLE,            -- among low scorers who commented
    metric_theme          DOUBLE,            -- M among the complainers
    metric_others         DOUBLE,            -- M among everyone else
    metric_all            DOUBLE,
    points                DOUBLE,            -- points at stake
    points_low            DOUBLE,            -- 95 % bootstrap interval
    points_high           DOUBLE,
    priority              DOUBLE  NOT NULL,  -- sum over metrics of weight x max(points_low, 0)
    status                VARCHAR NOT NULL,  -- ranked, or watch (few mentions, or no interval above 0)
    rank                  INTEGER,           -- 1 = fix first; null on the watch list
    over_index_dimension  VARCHAR,           -- the segment where the theme is most over-represented
    over_index_segment    VARCHAR,
    over_index_rate       DOUBLE,            --   its mention rate there, and in the rest of the week
    rest_rate             DOUBLE,
    examples              VARCHAR[],         -- up to 3 PII-redacted comments, different wordings
    PRIMARY KEY (week, theme, metric)
);
