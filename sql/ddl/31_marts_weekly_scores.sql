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
    PRIMARY KEY (week, dimension, segment, metric, scale)
);
