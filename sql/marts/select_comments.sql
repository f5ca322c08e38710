-- The comments of a range of weeks, for the theme tagger.
SELECT response_key, week, comment
FROM marts.responses
WHERE week >= $week_start AND week < $week_end AND has_comment
ORDER BY response_key
