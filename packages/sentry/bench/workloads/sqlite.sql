-- The SQLite benchmark's workload: many single-row INSERT statements in transactions (parsing
-- and B-tree work), then index creation and queries (scans, grouping, sorting, a join).
CREATE TABLE account (id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER, region INTEGER);
CREATE TABLE movement (id INTEGER PRIMARY KEY, account INTEGER, amount INTEGER, note TEXT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO account SELECT i, 'owner-' || (i * 7919 % 10007), i * 37 % 100000, i % 17 FROM n;
COMMIT;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO movement SELECT i, (i * 31) % 20000 + 1, (i * 7) % 2001 - 1000, printf('m%08d', i) FROM n;
COMMIT;
CREATE INDEX movement_by_account ON movement (account);
SELECT count(*), sum(amount) FROM movement;
SELECT region, count(*), sum(balance) FROM account GROUP BY region ORDER BY region LIMIT 5;
SELECT a.owner, sum(m.amount) AS total FROM account a JOIN movement m ON m.account = a.id GROUP BY a.id ORDER BY total DESC, a.id LIMIT 5;
SELECT count(*) FROM movement WHERE note LIKE '%77%';
UPDATE account SET balance = balance + (SELECT coalesce(sum(amount), 0) FROM movement WHERE movement.account = account.id) WHERE region < 3;
SELECT sum(balance) FROM account;
PRAGMA integrity_check;
