-- What each rebuild of a week's themes changed (defs/themes.py): after a new theme model, a new
-- taxonomy or a late export, how many of the week's comments have other themes than before.
-- A week's first build is no change and has no row.
CREATE TABLE IF NOT EXISTS marts.theme_changes (
    week              DATE      NOT NULL,
    built_at          TIMESTAMP NOT NULL,
    engine_before     VARCHAR,           -- what tagged it before, e.g. 'default model 4c1f…'
    engine_after      VARCHAR,           -- and now
    comments          INTEGER   NOT NULL,  -- comments with a theme before or after
    comments_changed  INTEGER   NOT NULL,  -- of them, whose themes or polarities differ
    mentions_before   INTEGER   NOT NULL,  -- theme rows (comment x theme x polarity)
    mentions_after    INTEGER   NOT NULL,
    PRIMARY KEY (week, built_at)
);
