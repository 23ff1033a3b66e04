-- A sqlite3 workload for bench/dynamic.sh: build a 200k-row table with an
-- index, then aggregate, update and delete. Run on a file database (dropped and
-- rebuilt each run) and on :memory:. Prints a few result lines.
DROP TABLE IF EXISTS t;
CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b TEXT);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
INSERT INTO t SELECT x, (x * 7919) % 100003, printf('row-%08d', (x * 31337) % 200000) FROM c;
COMMIT;
CREATE INDEX t_a ON t(a);
SELECT count(*), sum(a), max(b) FROM t;
SELECT a % 100 AS k, count(*) FROM t GROUP BY k ORDER BY 2 DESC, 1 LIMIT 3;
SELECT count(*) FROM t WHERE b LIKE 'row-0001%';
UPDATE t SET a = a + 1 WHERE id % 10 = 0;
DELETE FROM t WHERE id % 7 = 0;
SELECT count(*) FROM t WHERE a BETWEEN 1000 AND 5000;
