-- The week's comments, lowest scores first: the verbatims the report quotes.
SELECT DISTINCT ON (comment) response_key, source, channel, team, touchpoint, csat, nps, ces,
       ces_scale, comment
FROM marts.responses
WHERE week = $week AND has_comment
ORDER BY coalesce(csat, 3) + coalesce(nps, 5) / 2.5, response_key
