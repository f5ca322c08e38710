DELETE FROM marts.action_list WHERE week >= $week_start AND week < $week_end
