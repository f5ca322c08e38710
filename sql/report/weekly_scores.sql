-- Scores of one week and the week before, for the report's headline and change columns.
SELECT * FROM marts.weekly_scores
WHERE week IN ($week, $week - INTERVAL 7 DAY)
ORDER BY week, dimension, segment, metric, scale
