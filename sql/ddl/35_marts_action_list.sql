-- What to fix first (actions/weekly.py, docs/methodology.md "Action list"): one row per week x complaint theme x
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
    complaints            INTEGER NOT NULL,  -- the week's responses complaining about it, any scores
    share_of_responses    DOUBLE,            -- complainers with a score / responses with a score
    share_of_low_comments DOUBLE,            -- among low scorers who commented
    metric_theme          DOUBLE,            -- M among the complainers
    metric_others         DOUBLE,            -- M among everyone else
    metric_all            DOUBLE,
    points                DOUBLE,            -- points at stake
    points_low            DOUBLE,            -- 95 % bootstrap interval
    points_high           DOUBLE,
    priority              DOUBLE  NOT NULL,  -- sum over metrics of weight x max(points_low, 0); share basis: share_of_low_comments_low
    status                VARCHAR NOT NULL,  -- ranked, or watch (see confidence below)
    rank                  INTEGER,           -- 1 = fix first; null on the watch list
    share_trailing        DOUBLE,            -- share_of_responses over the 4 weeks before (built ones)
    trailing_weeks        INTEGER,           --   how many of those weeks had responses
    rising                BOOLEAN,           -- share up two weeks running
    over_index_dimension  VARCHAR,           -- the segment where the theme is most over-represented
    over_index_segment    VARCHAR,
    over_index_rate       DOUBLE,            --   its mention rate there, and in the rest of the week
    rest_rate             DOUBLE,
    examples              VARCHAR[],         -- up to 3 PII-redacted comments, different wordings
    PRIMARY KEY (week, theme, metric)
);

-- Ranking at any volume (actions/ranking.py): a small week pools the weeks before it, so the
-- counts, shares and points above are over `window_weeks` weeks ending with `week`; `basis` is
-- what the rank rests on: points (at stake), share (of unhappy commenters, when nearly everyone
-- is unhappy) or mentions (a source without scores).
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS window_weeks INTEGER DEFAULT 1;
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS basis VARCHAR DEFAULT 'points';
-- clear (interval clears the bar) or likely (named by a large share of unhappy commenters)
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS confidence VARCHAR;
-- the basis's estimate (weighted points, or the share) beside the cautious `priority`
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS priority_estimate DOUBLE;
-- 95 % Wilson interval of share_of_low_comments
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS share_of_low_comments_low DOUBLE;
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS share_of_low_comments_high DOUBLE;
-- The battery item that goes with the theme (actions/drivers.py): among the responses that
-- answered it, fewer good answers (CSAT satisfied, NPS promoter, CES easy) among the theme's
-- complainers than among the others, by 10 points or more, with 5 answers or more on each side.
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS driver_question VARCHAR;
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS driver_label VARCHAR;
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS driver_share_theme DOUBLE;
ALTER TABLE marts.action_list ADD COLUMN IF NOT EXISTS driver_share_others DOUBLE;

-- The same per owner, on "complains about any theme of this owner" (a response counts once).
CREATE TABLE IF NOT EXISTS marts.action_owners (
    week          DATE    NOT NULL,
    owner         VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    responses     INTEGER NOT NULL,
    mentions      INTEGER NOT NULL,
    metric_theme  DOUBLE,
    metric_others DOUBLE,
    metric_all    DOUBLE,
    points        DOUBLE,
    points_low    DOUBLE,
    points_high   DOUBLE,
    priority      DOUBLE  NOT NULL,
    status        VARCHAR NOT NULL,
    rank          INTEGER,
    PRIMARY KEY (week, owner, metric)
);
ALTER TABLE marts.action_owners ADD COLUMN IF NOT EXISTS window_weeks INTEGER DEFAULT 1;
ALTER TABLE marts.action_owners ADD COLUMN IF NOT EXISTS basis VARCHAR DEFAULT 'points';
ALTER TABLE marts.action_owners ADD COLUMN IF NOT EXISTS confidence VARCHAR;
ALTER TABLE marts.action_owners ADD COLUMN IF NOT EXISTS priority_estimate DOUBLE;

-- Low scorers who commented (marts.responses.low_score: detractor, CSAT 1-2, hard effort): whose doing their
-- complaints point to. kind = owner: per owner named (a comment may name several, shares can
-- add up to more than 1; emerging themes count as `other`); kind = split: service_only,
-- service_and_others, others_only, no_theme, which add up to 1.
CREATE TABLE IF NOT EXISTS marts.responsibility (
    week        DATE    NOT NULL,
    kind        VARCHAR NOT NULL,
    category    VARCHAR NOT NULL,
    low_scorers INTEGER NOT NULL,
    share       DOUBLE  NOT NULL,
    PRIMARY KEY (week, kind, category)
);

-- What customers appreciated, per team and per agent: responses praising each theme.
CREATE TABLE IF NOT EXISTS marts.praise (
    week      DATE      NOT NULL,
    dimension VARCHAR   NOT NULL,  -- team or agent
    segment   VARCHAR   NOT NULL,
    theme     VARCHAR   NOT NULL,
    mentions  INTEGER   NOT NULL,
    examples  VARCHAR[],           -- two PII-redacted quotes, for the 8 most praised team themes
    PRIMARY KEY (week, dimension, segment, theme)
);

-- How many customers follow_up.csv lists to call back, per top complaint theme (`no_theme`: a
-- low scorer who commented without naming one). Counts only: the names stay in the CSV.
CREATE TABLE IF NOT EXISTS marts.call_backs (
    week      DATE    NOT NULL,
    theme     VARCHAR NOT NULL,
    customers INTEGER NOT NULL,
    PRIMARY KEY (week, theme)
);
