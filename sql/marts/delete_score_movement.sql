DELETE FROM marts.score_movement WHERE week >= $week_start AND week < $week_end
