-- CSAT / NPS / CES per week x segment. dimension 'overall' has segment 'all'.
CREATE TABLE IF NOT EXISTS marts.weekly_scores (
    week          DATE    NOT NULL,
    dimension     VARCHAR NOT NULL,  -- overall, channel, team, agent, product, touchpoint, source, ...
    segment       VARCHAR NOT NULL,  -- the segment's value, e.g. 'phone'
    metric        VARCHAR NOT NULL,  -- csat, nps, ces
    scale         VARCHAR NOT NULL,  -- '1-5' for CSAT, '0-10' for NPS, the CES scale e.g. '1-7'
    n             INTEGER NOT NULL,  -- valid answers
    score         DOUBLE  NOT NULL,  -- CSAT: % top-2-box; NPS: % promoters - % detractors; CES: mean, higher is better
    satisfied     INTEGER,           -- CSAT: answers 4-5
    promoters     INTEGER,           -- NPS counts
    passives      INTEGER,
    detractors    INTEGER,
    small_sample  BOOLEAN NOT NULL,  -- n below min_sample_size: shown, never ranked
    ci_low        DOUBLE,            -- 95 % interval, unit of the score: CSAT Wilson, NPS adjusted
    ci_high       DOUBLE,            --   Wald, CES Student t (NULL for a single CES answer)
    ces_sd        DOUBLE,            -- CES: standard deviation of the oriented answers
    easy          INTEGER,           -- CES: answers in the easy part of the scale (4-5/5, 5-7/7, 7-10/10)
    n_prev        INTEGER,           -- previous week: its n, its score, the change (score − it),
    score_prev    DOUBLE,            --   the two-sided p-value (CSAT two-proportion z, NPS z on the
    change_prev   DOUBLE,            --   difference's standard error, CES Welch t) and whether
    p_prev        DOUBLE,            --   p < 0.05 with neither side a small sample
    significant_prev BOOLEAN,
    n_trail       INTEGER,           -- the same against the four weeks before, answers pooled
    score_trail   DOUBLE,
    change_trail  DOUBLE,
    p_trail       DOUBLE,
    significant_trail BOOLEAN,
    PRIMARY KEY (week, dimension, segment, metric, scale)
);
-- Warehouses created before these columns existed.
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS ci_low DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS ci_high DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS ces_sd DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS easy INTEGER;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS n_prev INTEGER;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS score_prev DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS change_prev DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS p_prev DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS significant_prev BOOLEAN;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS n_trail INTEGER;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS score_trail DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS change_trail DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS p_trail DOUBLE;
ALTER TABLE marts.weekly_scores ADD COLUMN IF NOT EXISTS significant_trail BOOLEAN;

-- A battery's items (several questions of one metric in a source: "satisfaction with response
-- time", "… with courtesy"), overall, scored and compared exactly as the headline scores above
-- (scoring/items.py); the headline question of each metric is the one in marts.weekly_scores.
CREATE TABLE IF NOT EXISTS marts.weekly_item_scores (
    week          DATE    NOT NULL,
    source        VARCHAR NOT NULL,
    question      VARCHAR NOT NULL,  -- the item's id in satisfaction.yaml
    label         VARCHAR NOT NULL,  -- its label (its id when it has none)
    metric        VARCHAR NOT NULL,  -- csat, nps, ces
    scale         VARCHAR NOT NULL,  -- '1-5' for CSAT, '0-10' for NPS, the CES scale e.g. '1-7'
    n             INTEGER NOT NULL,  -- valid answers
    score         DOUBLE  NOT NULL,  -- CSAT: % top-2-box; NPS: % promoters - % detractors; CES: mean, higher is better
    satisfied     INTEGER,           -- CSAT: answers 4-5
    promoters     INTEGER,           -- NPS counts
    passives      INTEGER,
    detractors    INTEGER,
    small_sample  BOOLEAN NOT NULL,  -- n below min_sample_size: shown, never ranked
    ci_low        DOUBLE,            -- 95 % interval, unit of the score: CSAT Wilson, NPS adjusted
    ci_high       DOUBLE,            --   Wald, CES Student t (NULL for a single CES answer)
    ces_sd        DOUBLE,            -- CES: standard deviation of the oriented answers
    easy          INTEGER,           -- CES: answers in the easy part of the scale (4-5/5, 5-7/7, 7-10/10)
    n_prev        INTEGER,           -- previous week: its n, its score, the change (score − it),
    score_prev    DOUBLE,            --   the two-sided p-value (CSAT two-proportion z, NPS z on the
    change_prev   DOUBLE,            --   difference's standard error, CES Welch t) and whether
    p_prev        DOUBLE,            --   p < 0.05 with neither side a small sample
    significant_prev BOOLEAN,
    n_trail       INTEGER,           -- the same against the four weeks before, answers pooled
    score_trail   DOUBLE,
    change_trail  DOUBLE,
    p_trail       DOUBLE,
    significant_trail BOOLEAN,
    PRIMARY KEY (week, source, question)
);
