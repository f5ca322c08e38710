-- weekly_scores rows whose score cannot be right for their metric and scale.
SELECT week, dimension, segment, metric, scale, n, score
FROM marts.weekly_scores
WHERE n <= 0
   OR score IS NULL OR isnan(score)
   OR (metric = 'csat' AND score NOT BETWEEN 0 AND 100)
   OR (metric = 'nps' AND score NOT BETWEEN -100 AND 100)
   OR (metric = 'ces' AND score NOT BETWEEN CAST(split_part(scale, '-', 1) AS DOUBLE)
                                       AND CAST(split_part(scale, '-', 2) AS DOUBLE))
ORDER BY week, dimension, segment, metric
