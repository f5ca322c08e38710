-- The week's action list, every theme x metric (report/actions.py lays it out).
SELECT * FROM marts.action_list WHERE week = $week
ORDER BY rank NULLS LAST, priority DESC, complaints DESC, theme, metric
