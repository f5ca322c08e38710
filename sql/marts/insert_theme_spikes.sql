INSERT INTO marts.theme_spikes BY NAME SELECT * FROM theme_spikes
