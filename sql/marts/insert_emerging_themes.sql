INSERT INTO marts.emerging_themes BY NAME SELECT * FROM emerging_themes
