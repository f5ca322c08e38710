-- Why each overall score moved since last week: the week's rows of marts.score_movement,
-- biggest contributions first.
SELECT * FROM marts.score_movement WHERE week = $week
ORDER BY metric, scale, abs(contribution) DESC, theme
