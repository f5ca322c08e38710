-- The taxonomy's theme rows the rebuilt weeks held before their rebuild (emerging groups left
-- out: their ids name their week), to tell what the rebuild changed (themes.detect.changes).
SELECT week, response_key, theme, polarity, engine
FROM marts.comment_themes
WHERE week IN (SELECT week FROM rebuilt) AND method <> 'discovery'
