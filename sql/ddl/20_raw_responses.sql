-- Every response loaded, once (the first file that carried its id wins, or the latest for a source
-- with `duplicates: keep_latest`), scores normalised.
CREATE TABLE IF NOT EXISTS raw.responses (
    response_key    VARCHAR   PRIMARY KEY,  -- source || ':' || response_id
    source          VARCHAR   NOT NULL,
    response_id     VARCHAR   NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,     -- UTC
    week            DATE      NOT NULL,     -- Monday of the submission week, configured time zone
    customer_ref    VARCHAR,
    customer_email  VARCHAR,
    channel         VARCHAR,
    team            VARCHAR,
    agent           VARCHAR,
    product         VARCHAR,
    touchpoint      VARCHAR,
    extra_segments  VARCHAR,                -- JSON object for segments beyond the five above
    csat_answer     VARCHAR,                -- the CSAT answer as written (label or number)
    csat            TINYINT,                -- points on csat_scale, highest best
    csat_scale      VARCHAR,                -- '1-5' (most), '1-3' or '1-7'
    nps             TINYINT,                -- 0-10 (or 1-10)
    nps_scale       VARCHAR,                -- '0-10' or '1-10'
    ces_answer      DOUBLE,                 -- the CES answer as given, on its own scale
    ces             DOUBLE,                 -- the same, oriented so that higher is better
    ces_scale       VARCHAR,                -- e.g. '1-7'; CES is never averaged across scales
    ces_version     VARCHAR,                -- CES 1.0 (1-5, lower is better), CES 2.0 (1-7), custom 1-10
    comment         VARCHAR,                -- open-text answers, joined by a blank line
    file_name       VARCHAR   NOT NULL,
    file_row        INTEGER   NOT NULL
);
-- Warehouses created before CSAT scales other than 1-5 existed: all their answers were 1-5.
ALTER TABLE raw.responses ADD COLUMN IF NOT EXISTS csat_scale VARCHAR DEFAULT '1-5';
ALTER TABLE raw.responses ADD COLUMN IF NOT EXISTS ces_version VARCHAR;

-- The answers to a battery's other questions (several questions of one metric: "satisfaction
-- with response time", "… with courtesy"): the headline question of each metric is in
-- raw.responses, the others here, one row per answered item, on their metric's footing.
CREATE TABLE IF NOT EXISTS raw.item_answers (
    response_key VARCHAR NOT NULL,  -- raw.responses' response
    source       VARCHAR NOT NULL,
    question     VARCHAR NOT NULL,  -- the item's id in satisfaction.yaml
    label        VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL,  -- csat, nps, ces
    scale        VARCHAR NOT NULL,
    value        DOUBLE  NOT NULL,  -- CSAT points, NPS 0-10, CES turned so that higher is easier
    PRIMARY KEY (response_key, question)
);
