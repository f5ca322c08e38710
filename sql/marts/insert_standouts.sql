INSERT INTO marts.standouts BY NAME SELECT * FROM standouts
