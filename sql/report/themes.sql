-- The week's taxonomy themes (found by patterns or by the theme model, not the emerging groups):
-- comments that complain about each, and that praise it.
SELECT theme,
       count(*) FILTER (WHERE polarity = 'complaint') AS complaints,
       count(*) FILTER (WHERE polarity = 'praise') AS praise
FROM marts.comment_themes
WHERE week = $week AND method <> 'discovery'
GROUP BY theme
HAVING count(*) FILTER (WHERE polarity IN ('complaint', 'praise')) > 0
ORDER BY complaints DESC, praise DESC, theme
