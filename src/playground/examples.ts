/** The statements the page offers to start from. */
export const EXAMPLES: readonly { title: string; sql: string }[] = [
  {
    title: 'MAP with typed output and options',
    sql: `-- @ model: small-fast
RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml'
AS (brand VARCHAR, confidence DOUBLE)
USING (SELECT product_name FROM products LIMIT 5000)
WITH (cache = '1d', on_error = 'null');
`,
  },
  {
    title: 'RUN into a table',
    sql: `RVBBIT RUN 'traits/analyze_batch.yaml'
USING (SELECT * FROM products WHERE category = 'electronics' LIMIT 500)
WITH (as_table = 'electronics_batch');
`,
  },
  {
    title: 'Semantic operators in plain SQL',
    sql: `SELECT id, text ALIGNS 'SQL is good for AI' AS score
FROM tweets
WHERE text MEANS 'talks about databases'
ORDER BY text RELEVANCE TO 'query engines'
LIMIT 10;
`,
  },
  {
    title: 'Errors',
    sql: `RVBBIT MAP PARALLEL 0 'traits/x.yaml' AS (a NUMBER) USING (SELECT 1)
WITH (limt = 3);
`,
  },
];
