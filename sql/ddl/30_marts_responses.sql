-- One row per survey response of a built week: raw.responses plus the score categories.
CREATE TABLE IF NOT EXISTS marts.responses (
    response_key    VARCHAR   PRIMARY KEY,
    source          VARCHAR   NOT NULL,
    response_id     VARCHAR   NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,
    week            DATE      NOT NULL,
    customer_ref    VARCHAR,
    customer_email  VARCHAR,
    channel         VARCHAR,
    team            VARCHAR,
    agent           VARCHAR,
    product         VARCHAR,
    touchpoint      VARCHAR,
    extra_segments  VARCHAR,
    csat_answer     VARCHAR,
    csat            TINYINT,
    csat_scale      VARCHAR,
    nps             TINYINT,
    nps_scale       VARCHAR,
    ces_answer      DOUBLE,
    ces             DOUBLE,
    ces_scale       VARCHAR,
    ces_version     VARCHAR,
    comment         VARCHAR,
    file_name       VARCHAR   NOT NULL,
    file_row        INTEGER   NOT NULL,
    csat_satisfied  BOOLEAN,                -- CSAT at or above its scale's satisfied_from (4-5 of 5)
    nps_category    VARCHAR,                -- promoter (9-10) / passive (7-8) / detractor (0-6)
    ces_easy        BOOLEAN,                -- CES in the easy part of its scale (5-7 of 7, 4-5 of 5)
    low_score       BOOLEAN,                -- detractor, CSAT 1-2 (of 5 or 7), or CES 1-2 of 5 / 1-3 of 7
    has_comment     BOOLEAN   NOT NULL,
    counted         BOOLEAN   NOT NULL DEFAULT true, -- false: another answer of the same customer
                                                     --   that week counts instead (votes_per_customer)
    quotable        BOOLEAN   NOT NULL DEFAULT false -- its comment may be quoted: every segment it
                                                     --   belongs to had enough responses (privacy)
);
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS csat_scale VARCHAR;
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS ces_easy BOOLEAN;
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS low_score BOOLEAN;
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS counted BOOLEAN DEFAULT true;
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS ces_version VARCHAR;
-- rows built before the privacy threshold existed are quoted again only once rebuilt
ALTER TABLE marts.responses ADD COLUMN IF NOT EXISTS quotable BOOLEAN DEFAULT false;
