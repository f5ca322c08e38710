-- The theme rows of a run's weeks per theme and method, for its materialization's metadata
-- (a year of 10M responses has millions of rows: they are counted here, not read), with the
-- rows and distinct comments of all of them.
SELECT theme,
       method,
       count(*) FILTER (polarity = 'complaint') AS complaints,
       count(*) FILTER (polarity = 'praise') AS praise,
       count(*) FILTER (polarity = 'neutral') AS neutral,
       sum(count(*)) OVER () AS all_rows,
       (SELECT count(DISTINCT response_key) FROM marts.comment_themes
        WHERE week >= $week_start AND week < $week_end) AS comments
FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end
GROUP BY theme, method
ORDER BY complaints DESC, theme, method
