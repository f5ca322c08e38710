INSERT INTO marts.theme_coverage BY NAME SELECT * FROM theme_coverage
