-- The complaint and praise mentions of a run of weeks (and the weeks before it, for trends):
-- what the action list, the responsibility split and the praise tables count.
SELECT response_key, week, theme, polarity, evidence, mentions, method
FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end AND polarity IN ('complaint', 'praise')
ORDER BY response_key, theme
