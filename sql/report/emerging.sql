-- The week's emerging themes, largest first.
SELECT language, label, comments, trailing_mean
FROM marts.emerging_themes
WHERE week = $week
ORDER BY comments DESC, language, group_id
