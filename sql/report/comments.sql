-- The week's comments, lowest scores first, each wording once: the verbatims the report quotes
-- (those the privacy threshold lets it quote).
-- CSAT counts on a 1-5 footing whatever its scale; a missing answer counts as the middle.
WITH ranked AS (
    SELECT response_key, source, channel, team, touchpoint, csat, csat_scale, nps, ces,
           ces_scale, comment,
           coalesce(1 + 4 * (csat - 1) / (CAST(split_part(coalesce(csat_scale, '1-5'), '-', 2) AS DOUBLE) - 1), 3)
             + coalesce(nps, 5) / 2.5 AS lowness
    FROM marts.responses
    WHERE week = $week AND has_comment AND counted AND quotable
)
SELECT * EXCLUDE (lowness) FROM ranked
QUALIFY row_number() OVER (PARTITION BY lower(trim(comment)) ORDER BY lowness, response_key) = 1
ORDER BY lowness, response_key
