-- The overall scores of the 12 weeks up to the report's week (those built), for the charts.
SELECT week, metric, scale, n, score, ci_low, ci_high, promoters, passives, detractors
FROM marts.weekly_scores
WHERE dimension = 'overall' AND week > $week - INTERVAL 84 DAY AND week <= $week
ORDER BY metric, scale, week
