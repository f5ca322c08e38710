-- The week's ranked action list, one row per theme (lib/actions.py): what to fix first.
SELECT theme, owner, rank, status, mentions, priority, examples
FROM marts.action_list
WHERE week = $week AND metric = 'csat'
ORDER BY rank NULLS LAST, priority DESC, theme
