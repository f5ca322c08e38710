INSERT INTO marts.action_owners BY NAME SELECT * FROM action_owners
