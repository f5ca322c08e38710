DELETE FROM marts.standouts WHERE week >= $week_start AND week < $week_end
