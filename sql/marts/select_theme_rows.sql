-- The theme rows of a run's weeks, for its materialization's metadata: `what` is one of
-- comment_themes, emerging_themes, theme_coverage.
SELECT * FROM query_table('marts.' || $what) WHERE week >= $week_start AND week < $week_end
