DELETE FROM marts.comment_themes WHERE week IN (SELECT week FROM rebuilt)
