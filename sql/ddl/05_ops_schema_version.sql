-- Which version of the warehouse's tables this file holds (warehouse.py, SCHEMA_VERSION): a
-- row per upgrade. A file without this table was made before versions were kept: version 1.
CREATE TABLE IF NOT EXISTS ops.schema_version (
    version     INTEGER   NOT NULL,
    applied_at  TIMESTAMP NOT NULL,  -- UTC
    release     VARCHAR   NOT NULL,  -- the satisfaction_pipeline version that applied it
    backup      VARCHAR              -- the copy of the file taken before, if it was upgraded
);
