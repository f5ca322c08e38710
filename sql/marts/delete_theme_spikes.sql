DELETE FROM marts.theme_spikes WHERE week >= $week_start AND week < $week_end
