-- What each week's theme rows (comment_themes, emerging_themes, theme_coverage) were last built
-- from: a digest of the week's responses and the four weeks' before it, the taxonomy, the model,
-- the score bands and the release (themes.detect.fingerprints). A run that finds the same digest
-- keeps the week's rows and reads none of its comments again. Safe to empty
-- (DELETE FROM marts.theme_builds): the next run then rebuilds every week it covers.
CREATE TABLE IF NOT EXISTS marts.theme_builds (
    week         DATE       PRIMARY KEY,
    fingerprint  VARCHAR    NOT NULL,
    built_at     TIMESTAMP  NOT NULL
);
