DELETE FROM marts.emerging_themes WHERE week >= $week_start AND week < $week_end
