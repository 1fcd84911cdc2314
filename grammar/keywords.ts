/**
 * Word lists. SQL_RESERVED is what can never be an operand or a semantic
 * operator word (an operator called WHERE would make SQL unreadable);
 * HIGHLIGHT_KEYWORDS is the wider list painted as keywords.
 */

/** Words that end an operand search and cannot be used as operator words. */
export const SQL_RESERVED: ReadonlySet<string> = new Set(
  (
    'ALL AND ANTI ANY ARRAY AS ASC ASOF BETWEEN BOTH BY CASE CHECK COLLATE COLUMN CONSTRAINT CREATE CROSS ' +
    'DEFAULT DELETE DESC DISTINCT DO DROP ELSE END EXCEPT EXISTS FETCH FILTER FOR FOREIGN FROM FULL GLOB GROUP ' +
    'HAVING ILIKE IN INNER INSERT INTERSECT INTO IS ISNULL JOIN LATERAL LEADING LEFT LIKE LIMIT NATURAL NOT ' +
    'NOTNULL OFFSET ON ONLY OR ORDER OUTER OVER PIVOT POSITIONAL PRIMARY QUALIFY REFERENCES RETURNING RIGHT ' +
    'SELECT SEMI SET SIMILAR SOME TABLE THEN TO TRAILING UNION UNIQUE UNPIVOT UPDATE USING VALUES WHEN WHERE ' +
    'WINDOW WITH'
  ).split(' '),
);

/**
 * The words a dialect statement starts with (`RVBBIT MAP …`, `EXPLAIN RVBBIT RUN …`,
 * `CREATE TABLE t AS RVBBIT MAP …`): RVBBIT, and larsql's LARS as its synonym, so
 * `LARS MAP …` is the same statement (docs/dialect.md "From larsql").
 */
export const RVBBIT_WORDS = ['RVBBIT', 'LARS'] as const;

/** True for a word (upper-cased) that starts a dialect statement: RVBBIT or LARS. */
export const isRvbbitWord = (upper: string): boolean => (RVBBIT_WORDS as readonly string[]).includes(upper);

/** The dialect's own words: also refused as operator words. */
export const DIALECT_WORDS: ReadonlySet<string> = new Set([
  ...RVBBIT_WORDS,
  ...(
    'MAP RUN ASYNC PARALLEL BATCH EXPLAIN FORMAT TEMP TEMPORARY RELEVANCE SEMANTIC ' +
    'LLM_SUMMARIZE LLM_SENTIMENT LLM_THEMES LLM_CLASSIFY LLM_AGG'
  ).split(' '),
]);

/** Literal words: operands, not keywords, when looking for operator operands. */
export const LITERAL_WORDS: ReadonlySet<string> = new Set(['TRUE', 'FALSE', 'NULL']);

/** Painted as keywords by `tokens()`. */
export const HIGHLIGHT_KEYWORDS: ReadonlySet<string> = new Set([
  ...SQL_RESERVED,
  ...DIALECT_WORDS,
  ...(
    'ALTER ATTACH BEGIN CALL CAST COMMIT COPY DETACH DESCRIBE EXPORT IMPORT INSTALL LOAD PRAGMA REPLACE ' +
    'ROLLBACK SHOW SUMMARIZE TRANSACTION VIEW SCHEMA INDEX SEQUENCE MACRO FUNCTION IF TRUE FALSE NULL ' +
    'INTERVAL RECURSIVE MATERIALIZED ROWS RANGE PARTITION NULLS FIRST LAST USE VACUUM ANALYZE ' +
    'VARCHAR TEXT STRING INTEGER INT BIGINT DOUBLE FLOAT REAL DECIMAL BOOLEAN BOOL JSON DATE TIME TIMESTAMP'
  ).split(' '),
]);
