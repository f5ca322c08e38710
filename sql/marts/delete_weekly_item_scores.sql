DELETE FROM marts.weekly_item_scores WHERE week >= $week_start AND week < $week_end
