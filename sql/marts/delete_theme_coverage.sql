DELETE FROM marts.theme_coverage WHERE week IN (SELECT week FROM rebuilt)
