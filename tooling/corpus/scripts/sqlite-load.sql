-- A slow, memory-heavy start for sqlite3.wasm: generates a 400000-row table in an
-- in-memory database with deterministic pseudo-random data, builds two indexes,
-- then answers a few queries. Run: sqlite3.wasm :memory: < sqlite-load.sql
-- (or against a db file in a preopened directory to exercise the file VFS).
.bail on
PRAGMA cache_size = -65536;
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, product TEXT, quantity INTEGER, price REAL, note TEXT);
WITH RECURSIVE sequence(n, state) AS (
  SELECT 1, 12345
  UNION ALL
  SELECT n + 1, (state * 1103515245 + 12345) % 2147483648 FROM sequence WHERE n < 400000
)
INSERT INTO orders (id, customer, product, quantity, price, note)
SELECT n,
       state % 5000,
       'product-' || (state / 7 % 800),
       1 + state / 13 % 20,
       round((state / 17 % 100000) / 100.0, 2),
       printf('order %d for customer %d: %s', n, state % 5000, substr('abcdefghijklmnopqrstuvwxyz', 1 + state % 20, 6))
FROM sequence;
CREATE INDEX orders_by_customer ON orders (customer);
CREATE INDEX orders_by_product ON orders (product, price);
SELECT 'ready: ' || count(*) || ' orders' FROM orders;
SELECT customer, count(*) AS orders, round(sum(quantity * price), 2) AS spent
  FROM orders GROUP BY customer ORDER BY spent DESC, customer LIMIT 3;
SELECT product, count(*), round(avg(price), 2) FROM orders WHERE product = 'product-42' GROUP BY product;
SELECT note FROM orders WHERE customer = 4242 ORDER BY id LIMIT 2;
SELECT 'integrity: ' || integrity_check FROM pragma_integrity_check;
