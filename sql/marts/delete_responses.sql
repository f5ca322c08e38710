DELETE FROM marts.responses WHERE week >= $week_start AND week < $week_end
