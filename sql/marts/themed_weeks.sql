-- The weeks of a range whose comments were tagged (themes/coding.py): a week never built has
-- no theme rows to tell its unexplained comments by.
SELECT DISTINCT week FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end
ORDER BY week
