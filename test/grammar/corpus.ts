// Valid statements used by format round-trips and the fuzz test.
export const VALID: readonly string[] = [
  "RVBBIT MAP 'traits/extract_brand.yaml' AS brand\nUSING (SELECT product_name FROM products);",
  "RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml'\nAS (brand VARCHAR, confidence DOUBLE)\nUSING (SELECT product_name FROM products LIMIT 5000)\nWITH (cache = '1d', on_error = 'null');",
  "RVBBIT RUN 'traits/analyze_batch.yaml'\nUSING (SELECT * FROM products WHERE category = 'electronics' LIMIT 500)\nWITH (as_table = 'electronics_batch');",
  "EXPLAIN RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' USING (SELECT * FROM products);",
  "-- @ parallel: 8\n-- @ model: small-fast\nSELECT id, text ALIGNS 'SQL is good for AI' AS score\nFROM tweets WHERE text MEANS 'talks about databases' LIMIT 10;",
  'SELECT category, LLM_SUMMARIZE(review) AS summary, count(*) AS n\nFROM reviews GROUP BY category ORDER BY n DESC;',
  'SELECT p.name, c.label FROM products p SEMANTIC JOIN categories c ON p.name ~ c.label;',
  "rvbbit map batch 16 distinct parallel 4 'x' as (a decimal(10, 2), b text, \"c d\" timestamp) using (select 1 /* ) */, ')' -- )\n) with (retries = 2, limit = 0, timeout = '30s', budget_dollars = 1.5, model = 'm')",
  "EXPLAIN (FORMAT JSON) RVBBIT RUN ASYNC 'y.yaml' USING (WITH a AS (SELECT 1 LIMIT 1) SELECT * FROM a) WITH (cache = false)",
  "CREATE TEMPORARY TABLE main.brands AS RVBBIT MAP 'x' USING (SELECT $$ ; ) $$ AS s, E'it\\'s' AS e)",
  "-- @ strategy: vectorized\n-- @ answer in French\nSELECT * FROM t WHERE a ABOUT 'b' > 0.7 ORDER BY a RELEVANCE TO 'c' ASC; SELECT 1",
];
