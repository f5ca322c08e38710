-- raw.responses' rows per week of [week_start, week_end): each week's row count in the UI.
SELECT week, count(*) AS rows
FROM raw.responses
WHERE week >= $week_start AND week < $week_end
GROUP BY week
