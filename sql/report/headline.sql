-- The week's overall scores, for the e-mail's subject and body.
SELECT metric, scale, score, n FROM marts.weekly_scores
WHERE week = $week AND dimension = 'overall'
ORDER BY CASE metric WHEN 'csat' THEN 0 WHEN 'nps' THEN 1 ELSE 2 END, scale
