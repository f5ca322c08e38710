-- The week's standouts as the report lists them: diverging questions first, then consistent
-- segments, each group by dimension and segment.
SELECT *
FROM marts.standouts
WHERE week = $week
ORDER BY CASE kind WHEN 'diverging_levels' THEN 0 WHEN 'diverging_changes' THEN 1
                   WHEN 'below' THEN 2 ELSE 3 END,
         dimension, segment, metric
