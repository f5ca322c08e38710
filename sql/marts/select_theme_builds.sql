SELECT week, fingerprint FROM marts.theme_builds WHERE week >= $week_start AND week < $week_end
