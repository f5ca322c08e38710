DELETE FROM marts.theme_coverage WHERE week >= $week_start AND week < $week_end
