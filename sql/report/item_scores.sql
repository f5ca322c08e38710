-- The week's battery items (several questions of one metric), as the report's table lists them.
SELECT * FROM marts.weekly_item_scores WHERE week = $week ORDER BY source, metric, question
