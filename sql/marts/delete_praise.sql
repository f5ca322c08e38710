DELETE FROM marts.praise WHERE week >= $week_start AND week < $week_end
