/**
 * Operator queries over the semantic fixture's tables, each in a different
 * clause or shape: every strategy, and packed or not, must return the same rows.
 */
export interface OperatorCase {
  readonly name: string;
  readonly sql: string;
  readonly params?: unknown[];
  readonly annotations?: string;
  /** Exact rows expected (from batch), when given. */
  readonly expect?: unknown[];
}

export const OPERATOR_CORPUS: OperatorCase[] = [
  // Your own condition over any columns (LLM_FILTER) and a tuple on the left of MEANS, in every clause.
  {
    name: 'LLM_FILTER over two columns in WHERE',
    sql: `SELECT id FROM docs WHERE LLM_FILTER('an eco friendly product for the home', title, body) ORDER BY id`,
  },
  {
    name: 'LLM_FILTER in SELECT, three inputs of three types',
    sql: `SELECT id, LLM_FILTER('a well rated durable product', title, body, rating) AS ok FROM docs ORDER BY id`,
  },
  {
    name: 'LLM_FILTER in a self-join ON: pairs of products with the same use',
    sql: `SELECT a.id AS x, b.id AS y FROM docs a JOIN docs b
            ON a.id < b.id AND a.category = b.category AND LLM_FILTER('both are running shoes', a.title, b.title)
          ORDER BY 1, 2`,
  },
  {
    name: 'LLM_FILTER in GROUP BY and HAVING',
    sql: `SELECT LLM_FILTER('charges a phone', title, body) AS charges, count(*) AS n FROM docs
          GROUP BY 1 HAVING count(*) > 0 ORDER BY 1`,
  },
  {
    name: 'LLM_FILTER in ORDER BY',
    sql: `SELECT id FROM docs WHERE id <= 8 ORDER BY LLM_FILTER('eco friendly', title, body), id`,
  },
  // Typed generation over the reviews: LLM(… RETURNING type) and LLM_SCORE, in every clause.
  {
    name: 'LLM RETURNING BOOLEAN in WHERE',
    sql: `SELECT id FROM reviews WHERE id <= 40 AND LLM('The reviewer liked the film', review RETURNING BOOLEAN) ORDER BY id`,
  },
  {
    name: 'LLM_SCORE (INTEGER 1..5) and LLM RETURNING STRUCT in SELECT',
    sql: `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS score,
            LLM('The aspect discussed and how it was felt', movie, review RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN)).liked AS liked
          FROM reviews WHERE id <= 24 ORDER BY id`,
  },
  {
    name: 'LLM RETURNING BOOLEAN in a self-join ON: pairs of reviews with the same sentiment',
    sql: `SELECT a.id AS x, b.id AS y FROM reviews a JOIN reviews b
            ON a.movie = b.movie AND a.id < b.id AND a.id <= 8 AND b.id <= 8
               AND LLM('The two reviews express the same sentiment', a.review, b.review RETURNING BOOLEAN)
          ORDER BY 1, 2`,
  },
  {
    name: 'LLM_SCORE averaged in GROUP BY and HAVING',
    sql: `SELECT movie, round(avg(LLM_SCORE(review, 'how positive the review is', 1, 5)), 3) AS avg_score, count(*) AS n
          FROM reviews WHERE id % 10 = 1 GROUP BY movie
          HAVING avg(LLM_SCORE(review, 'how positive the review is', 1, 5)) >= 1 ORDER BY movie`,
  },
  {
    name: 'LLM RETURNING VARCHAR in GROUP BY',
    sql: `SELECT LLM('One word for the tone', review RETURNING VARCHAR) IS NOT NULL AS has_tone, count(*) AS n
          FROM reviews WHERE id <= 20 GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'LLM_SCORE (DOUBLE 0..1.5) in ORDER BY',
    sql: `SELECT id FROM reviews WHERE id <= 30 ORDER BY LLM_SCORE(review, 'how well the acting is judged', 0, 1.5) DESC, id LIMIT 10`,
  },
  {
    name: '(a, b) MEANS in WHERE',
    sql: `SELECT id FROM docs WHERE (title, body) MEANS 'a running shoe' ORDER BY id`,
  },
  {
    name: 'MEANS in WHERE',
    sql: `SELECT id FROM docs WHERE body MEANS 'eco friendly' ORDER BY id`,
    expect: [1, 4, 6, 10, 11],
  },
  {
    name: 'MATCHES in WHERE',
    sql: `SELECT id FROM docs WHERE body MATCHES 'running shoe' ORDER BY id`,
    expect: [2, 7],
  },
  { name: 'ABOUT score in SELECT', sql: `SELECT id, body ABOUT 'battery' AS s FROM docs ORDER BY id` },
  {
    name: 'bare ABOUT in WHERE (threshold 0.5)',
    sql: `SELECT id FROM docs WHERE body ABOUT 'phone battery' ORDER BY id`,
    expect: [3, 6],
  },
  {
    name: 'bare ABOUT with -- @ threshold',
    annotations: '-- @ threshold: 0.4',
    sql: `SELECT id FROM docs WHERE body ABOUT 'phone battery' ORDER BY id`,
    expect: [3, 6, 12],
  },
  {
    name: 'ABOUT compared',
    sql: `SELECT id FROM docs WHERE body ABOUT 'eco water bottle' > 0.3 ORDER BY id`,
  },
  {
    name: 'ALIGNS WITH',
    sql: `SELECT id, body ALIGNS WITH 'recycled materials are good' AS a FROM docs ORDER BY id`,
  },
  {
    name: 'ALIGNS without WITH',
    sql: `SELECT id, title ALIGNS 'fast running shoes' AS a FROM docs ORDER BY id`,
  },
  { name: 'IMPLIES', sql: `SELECT id FROM docs WHERE body IMPLIES 'it is durable' ORDER BY id` },
  {
    name: 'CONTRADICTS',
    sql: `SELECT id FROM docs WHERE body CONTRADICTS 'the battery is good' ORDER BY id`,
  },
  { name: '~ in SELECT', sql: `SELECT id, title ~ category AS same FROM docs ORDER BY id` },
  {
    name: 'RELEVANCE TO, DESC by default',
    sql: `SELECT id FROM docs ORDER BY body RELEVANCE TO 'eco bottle', id LIMIT 5`,
  },
  {
    name: 'RELEVANCE TO ASC',
    sql: `SELECT id FROM docs WHERE body IS NOT NULL ORDER BY body RELEVANCE TO 'battery' ASC, id LIMIT 4`,
  },
  {
    name: 'filter + ORDER BY + LIMIT',
    sql: `SELECT id FROM docs WHERE body MEANS 'eco' ORDER BY id LIMIT 2`,
    expect: [1, 4],
  },
  {
    name: 'GROUP BY with a filter',
    sql: `SELECT category, count(*) AS n FROM docs WHERE body MEANS 'durable' GROUP BY category ORDER BY category`,
  },
  {
    name: 'LLM_SUMMARIZE per group',
    sql: `SELECT category, LLM_SUMMARIZE(body) AS s FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'LLM_SUMMARIZE with a prompt',
    sql: `SELECT category, LLM_SUMMARIZE(body, 'materials') AS s FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'LLM_SENTIMENT',
    sql: `SELECT category, LLM_SENTIMENT(body) AS s FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'LLM_THEMES',
    sql: `SELECT category, LLM_THEMES(body, 2) AS t FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'LLM_CLASSIFY',
    sql: `SELECT category, LLM_CLASSIFY(title, 'eco,tech,sport') AS c FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'CLASSIFY per row, in SELECT and WHERE',
    sql: `SELECT id, CLASSIFY(body, 'eco,tech,sport') AS c FROM docs WHERE CLASSIFY(title, 'eco,tech,sport') <> 'tech' ORDER BY id`,
  },
  {
    name: 'LLM RETURNING ENUM in SELECT and GROUP BY',
    sql: `SELECT LLM('The kind of product', title RETURNING ENUM('eco', 'tech', 'sport'))::VARCHAR AS k, count(*) AS n
          FROM docs GROUP BY 1 ORDER BY 1`,
  },
  {
    name: 'LLM_AGG',
    sql: `SELECT category, LLM_AGG(title, 'What do these share?') AS a FROM docs GROUP BY category ORDER BY category`,
  },
  {
    name: 'HAVING with an aggregate under MEANS',
    sql: `SELECT category FROM docs GROUP BY category HAVING LLM_SUMMARIZE(body) MEANS 'eco' ORDER BY category`,
  },
  {
    name: 'bare ABOUT in HAVING',
    sql: `SELECT category FROM docs GROUP BY category HAVING LLM_SUMMARIZE(title) ABOUT 'running shoe' ORDER BY category`,
  },
  {
    name: 'SEMANTIC JOIN',
    sql: `SELECT d.id, c.label FROM docs d SEMANTIC JOIN cats c ON d.title ~ c.label ORDER BY d.id, c.label`,
    expect: [1, 2, 3, 5, 7, 10, 11],
  },
  {
    name: 'JOIN ON an ABOUT score',
    sql: `SELECT d.id, c.label FROM docs d JOIN cats c ON d.body ABOUT c.label > 0.6 ORDER BY 1, 2`,
  },
  {
    name: 'CTE',
    sql: `WITH eco AS (SELECT * FROM docs WHERE body MEANS 'eco') SELECT id, title ABOUT 'bottle' AS s FROM eco ORDER BY id`,
  },
  {
    name: 'IN subquery',
    sql: `SELECT id FROM docs WHERE id IN (SELECT id FROM docs WHERE body MEANS 'phone') ORDER BY id`,
  },
  {
    name: 'nested subquery in FROM',
    sql: `SELECT * FROM (SELECT id, body ABOUT 'shoe' AS s FROM docs) WHERE s > 0.2 ORDER BY id`,
  },
  {
    name: 'correlated subquery with ~',
    sql: `SELECT id, (SELECT count(*) FROM cats c WHERE c.label ~ d.title) AS n FROM docs d ORDER BY id`,
  },
  {
    name: 'parameter as operand',
    sql: `SELECT id FROM docs WHERE body MEANS $1 ORDER BY id`,
    params: ['eco friendly'],
    expect: [1, 4, 6, 10, 11],
  },
  { name: 'empty table', sql: `SELECT id FROM empty_docs WHERE body MEANS 'eco'`, expect: [] },
  { name: 'aggregate over an empty table', sql: `SELECT LLM_SUMMARIZE(body) AS s FROM empty_docs` },
  {
    name: 'NULL operands give NULL',
    sql: `SELECT id, body MEANS 'eco' AS m, NULL MEANS 'x' AS n FROM docs WHERE id IN (8, 9) ORDER BY id`,
  },
  {
    name: 'two operators under AND',
    sql: `SELECT id FROM docs WHERE body MEANS 'eco' AND title MEANS 'bottle' ORDER BY id`,
    expect: [1, 10],
  },
  {
    name: 'two operators under OR',
    sql: `SELECT id FROM docs WHERE body MEANS 'knife' OR body MEANS 'yoga' ORDER BY id`,
    expect: [5, 11],
  },
  {
    name: 'CASE with a dependent operator',
    sql: `SELECT id, CASE WHEN body MEANS 'eco' THEN body ABOUT 'bottle' ELSE 0 END AS s FROM docs ORDER BY id`,
  },
  {
    name: 'function-call and parenthesised operands',
    sql: `SELECT id FROM docs WHERE lower(title) MEANS 'shoe' OR (title || ' ' || category) MEANS 'home bottle' ORDER BY id`,
  },
  { name: 'FILTER clause', sql: `SELECT count(*) FILTER (WHERE body MEANS 'eco') AS n FROM docs` },
  {
    name: 'hint annotation',
    annotations: '-- @ judge the materials only',
    sql: `SELECT id FROM docs WHERE body MEANS 'eco' ORDER BY id`,
  },
  {
    name: 'union_all-splittable filter (unordered)',
    sql: `SELECT id, body ABOUT 'eco' AS s FROM docs WHERE body MEANS 'durable'`,
  },
  {
    name: 'union_all-splittable projection (unordered)',
    sql: `SELECT d.id, d.title ALIGNS 'shoe' AS a FROM docs AS d`,
  },
];
