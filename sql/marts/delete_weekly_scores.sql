DELETE FROM marts.weekly_scores WHERE week >= $week_start AND week < $week_end
