-- How many responses raw.responses holds per week of a range (warehouse.week_groups).
SELECT week, count(*) AS responses
FROM raw.responses
WHERE week >= $week_start AND week < $week_end
GROUP BY week
