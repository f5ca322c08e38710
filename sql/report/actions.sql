-- The week's ranked action list, one row per theme (actions/weekly.py): what to fix first.
SELECT theme, owner, rank, status, complaints, priority, examples
FROM marts.action_list
WHERE week = $week AND metric = 'csat'
ORDER BY rank NULLS LAST, priority DESC, complaints DESC, theme
