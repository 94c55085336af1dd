-- A SQLite workload for the checkpoint differential tests: a few seconds of inserts, index
-- builds, updates and queries on a database in memory, with output along the way, so a
-- checkpoint lands in the middle of B-tree work.
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, color TEXT, weight REAL, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
INSERT INTO item SELECT i, 'item-' || i, CASE i % 5 WHEN 0 THEN 'red' WHEN 1 THEN 'green' WHEN 2 THEN 'blue' WHEN 3 THEN 'black' ELSE 'white' END,
  (i * 7919 % 1000) / 10.0, hex(zeroblob(i % 13)) FROM n;
SELECT 'rows', count(*) FROM item;
CREATE INDEX item_by_color ON item (color, weight);
SELECT color, count(*), round(sum(weight), 1) FROM item GROUP BY color ORDER BY color;
UPDATE item SET weight = weight * 2 WHERE id % 3 = 0;
SELECT 'heavy', count(*) FROM item WHERE weight > 150;
CREATE INDEX item_by_name ON item (name);
SELECT name, weight FROM item WHERE color = 'blue' ORDER BY weight DESC, id LIMIT 5;
DELETE FROM item WHERE id % 7 = 0;
SELECT 'after delete', count(*), round(avg(weight), 3) FROM item;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)
INSERT INTO item (name, color, weight, note) SELECT 'extra-' || i, 'grey', i % 97, printf('%08d', i * 31) FROM n;
SELECT color, count(*), min(weight), max(weight) FROM item GROUP BY color ORDER BY color;
SELECT count(DISTINCT substr(note, 1, 3)) FROM item;
PRAGMA integrity_check;
SELECT 'done';
