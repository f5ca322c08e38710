-- The week's action list, every theme x metric (report/actions.py lays it out). Rows built
-- before ranking at any volume have no confidence: they were ranked on points whose interval
-- cleared zero, which is what `clear` means.
SELECT * REPLACE (coalesce(confidence, CASE WHEN status = 'ranked' THEN 'clear' END) AS confidence)
FROM marts.action_list
WHERE week = $week
ORDER BY rank NULLS LAST, priority DESC, complaints DESC, theme, metric
