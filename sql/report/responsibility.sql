SELECT * FROM marts.responsibility WHERE week = $week ORDER BY kind, low_scorers DESC, category
