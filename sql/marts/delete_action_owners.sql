DELETE FROM marts.action_owners WHERE week >= $week_start AND week < $week_end
