DELETE FROM marts.responsibility WHERE week >= $week_start AND week < $week_end
