DELETE FROM marts.comment_themes WHERE week >= $week_start AND week < $week_end
