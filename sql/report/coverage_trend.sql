-- How many of the low scorers' comments the themes explained in the four weeks before this one,
-- oldest first (marts.theme_coverage): the trend beside the week's share in Data quality.
SELECT week, low_comments, explained
FROM marts.theme_coverage
WHERE week < $week AND week >= $week - INTERVAL 28 DAY AND low_comments > 0
ORDER BY week
