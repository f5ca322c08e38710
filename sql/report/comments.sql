-- The week's comments, lowest scores first, each wording once: the verbatims the report quotes
-- (those the privacy threshold lets it quote). Among equally low scores (every comment of a
-- source without scores), complaints first, one per theme in turn, the most named themes
-- first: representative complaints, not the file's order.
-- CSAT counts on a 1-5 footing whatever its scale; a missing answer counts as the middle.
WITH complaint AS (
    SELECT response_key, theme, count(*) OVER (PARTITION BY theme) AS named
    FROM marts.comment_themes
    WHERE week = $week AND polarity = 'complaint'
), main_theme AS (  -- a comment's most named complaint theme
    SELECT response_key, first(theme ORDER BY named DESC, theme) AS theme, max(named) AS named
    FROM complaint GROUP BY response_key
), ranked AS (
    SELECT response_key, source, channel, team, touchpoint, csat, csat_scale, nps, ces,
           ces_scale, comment,
           coalesce(1 + 4 * (csat - 1) / (CAST(split_part(coalesce(csat_scale, '1-5'), '-', 2) AS DOUBLE) - 1), 3)
             + coalesce(nps, 5) / 2.5 AS lowness
    FROM marts.responses
    WHERE week = $week AND has_comment AND counted AND quotable
), distinct_wordings AS (
    SELECT ranked.*, m.theme, m.named
    FROM ranked LEFT JOIN main_theme m USING (response_key)
    QUALIFY row_number() OVER (PARTITION BY lower(trim(comment)) ORDER BY lowness, response_key) = 1
)
SELECT * EXCLUDE (lowness, theme, named, turn) FROM (
    SELECT *, row_number() OVER (PARTITION BY lowness, theme ORDER BY response_key) AS turn
    FROM distinct_wordings
)
ORDER BY lowness, theme IS NULL, turn, named DESC NULLS LAST, response_key
