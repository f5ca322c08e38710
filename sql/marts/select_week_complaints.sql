-- The complaint mentions of a run of weeks (taxonomy patterns and the theme model, not the
-- emerging groups, which have no owner yet): what the action list ranks.
SELECT response_key, week, theme, evidence, mentions
FROM marts.comment_themes
WHERE week >= $week_start AND week < $week_end
  AND polarity = 'complaint' AND method IN ('pattern', 'model')
ORDER BY response_key, theme
