SELECT * FROM raw.responses WHERE week >= $week_start AND week < $week_end ORDER BY response_key
