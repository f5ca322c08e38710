-- The theme rows of a range of weeks (themes/coding.py: which comments no theme explains).
SELECT response_key, theme, polarity, method
FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end
