-- Why each overall score moved since last week (actions/movement.py, docs/methodology.md "Why the scores moved"): its
-- change split per group of responses — the comment's primary theme (its complaint first, then
-- praise, then a neutral mention), `no_theme` (a comment no named theme explains) or
-- `no_comment`. volume_effect + score_effect = contribution, and the contributions of a week x
-- metric x scale add up exactly to total_change (= marts.weekly_scores.change_prev overall).
CREATE TABLE IF NOT EXISTS marts.score_movement (
    week              DATE    NOT NULL,
    metric            VARCHAR NOT NULL,  -- csat, nps, ces
    scale             VARCHAR NOT NULL,  -- as in marts.weekly_scores
    theme             VARCHAR NOT NULL,  -- a theme id, no_theme or no_comment
    responses_before  INTEGER NOT NULL,  -- the group's answers to the metric last week, this week
    responses         INTEGER NOT NULL,
    share_before      DOUBLE  NOT NULL,  -- of the metric's answers, 0-1
    share             DOUBLE  NOT NULL,
    score_before      DOUBLE,            -- the group's own score (NULL: no answer that week)
    score             DOUBLE,
    volume_effect     DOUBLE  NOT NULL,  -- the group grew or shrank (against the average score)
    score_effect      DOUBLE  NOT NULL,  -- the group scored differently
    contribution      DOUBLE  NOT NULL,  -- points of the metric's change
    total_change      DOUBLE  NOT NULL,
    PRIMARY KEY (week, metric, scale, theme)
);

-- Themes whose weekly share of responses, or score among the responses mentioning them, lies
-- beyond ±2 standard deviations of the 8 weeks before (at least 4 built weeks), small or not.
CREATE TABLE IF NOT EXISTS marts.theme_spikes (
    week        DATE    NOT NULL,
    theme       VARCHAR NOT NULL,
    measure     VARCHAR NOT NULL,  -- share (of responses mentioning it), or csat / nps / ces among them
    scale       VARCHAR NOT NULL,  -- the score's scale; '' for share
    value       DOUBLE  NOT NULL,  -- this week (share in %)
    mean        DOUBLE  NOT NULL,  -- over the weeks before
    sd          DOUBLE  NOT NULL,  -- their standard deviation, at least one response's worth
    weeks       INTEGER NOT NULL,  -- how many weeks before had a value
    z           DOUBLE  NOT NULL,
    direction   VARCHAR NOT NULL,  -- up or down
    mentions    INTEGER NOT NULL,  -- responses mentioning the theme this week
    examples    VARCHAR[],         -- up to 2 PII-redacted comments of this week on the theme
    PRIMARY KEY (week, theme, measure, scale)
);
-- what the examples say of the theme: complaints, or praise when all its news is good
ALTER TABLE marts.theme_spikes ADD COLUMN IF NOT EXISTS examples_polarity VARCHAR;
