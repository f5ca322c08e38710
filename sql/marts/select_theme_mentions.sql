-- The named themes (taxonomy patterns or the trained model, not emerging groups) of the
-- comments of a run of weeks and the weeks before it: what actions/movement.py groups and tracks.
SELECT response_key, week, theme, polarity, mentions, span_start
FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end AND method <> 'discovery'
ORDER BY response_key, theme, polarity
