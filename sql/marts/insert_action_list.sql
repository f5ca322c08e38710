INSERT INTO marts.action_list BY NAME SELECT * FROM action_list
