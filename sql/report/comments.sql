-- The week's comments, lowest scores first, each wording once: the verbatims the report quotes.
SELECT response_key, source, channel, team, touchpoint, csat, nps, ces, ces_scale, comment
FROM marts.responses
WHERE week = $week AND has_comment
QUALIFY row_number() OVER (PARTITION BY lower(trim(comment))
                           ORDER BY coalesce(csat, 3) + coalesce(nps, 5) / 2.5, response_key) = 1
ORDER BY coalesce(csat, 3) + coalesce(nps, 5) / 2.5, response_key
