DELETE FROM marts.call_backs WHERE week >= $week_start AND week < $week_end
