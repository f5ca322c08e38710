-- The theme rows of a run's weeks per week, theme and method, for each week's materialization
-- metadata (a year of 10M responses has millions of rows: they are counted here, not read),
-- with each week's rows and distinct comments.
WITH run_rows AS (
    SELECT * FROM marts.comment_themes WHERE week >= $week_start AND week < $week_end
),
per_week AS (
    SELECT week, count(DISTINCT response_key) AS comments FROM run_rows GROUP BY week
)
SELECT week,
       theme,
       method,
       count(*) FILTER (polarity = 'complaint') AS complaints,
       count(*) FILTER (polarity = 'praise') AS praise,
       count(*) FILTER (polarity = 'neutral') AS neutral,
       sum(count(*)) OVER (PARTITION BY week) AS all_rows,
       any_value(per_week.comments) AS comments
FROM run_rows JOIN per_week USING (week)
GROUP BY week, theme, method
ORDER BY week, complaints DESC, theme, method
