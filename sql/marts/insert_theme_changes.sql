INSERT INTO marts.theme_changes BY NAME SELECT *, now() AS built_at FROM theme_changes
