-- The battery items' answers of the responses stored.
INSERT INTO raw.item_answers BY NAME SELECT * FROM new_items
