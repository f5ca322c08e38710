INSERT INTO marts.praise BY NAME SELECT * FROM praise
