INSERT INTO marts.call_backs BY NAME SELECT * FROM call_backs
