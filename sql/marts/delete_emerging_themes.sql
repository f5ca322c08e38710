DELETE FROM marts.emerging_themes WHERE week IN (SELECT week FROM rebuilt)
