INSERT INTO ops.findings BY NAME SELECT * FROM new_findings
