/**
 * `npm run bench:parse`: parse throughput (statements/s, MB/s) on a corpus of
 * realistic statements, and time against size for one large USING query
 * (parsing must stay linear in input size). Each figure is the median of
 * several rounds after a warm-up, printed with its range, timed in CPU time
 * of this process (on a shared machine it leaves out the time other processes
 * held the core). That CPU time counts every thread of the process, V8's
 * garbage-collector and compiler helpers included, so it can run above wall
 * time; the wall-clock median, what an editor waits, is printed beside it
 * (on this VM the two agree within 1%: its drift is the host's, not ours).
 */
import { parse } from '../grammar/index.js';

const CORPUS = [
  "RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products)",
  "RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE) USING (SELECT product_name FROM products LIMIT 5000) WITH (cache = '1d', on_error = 'null')",
  "RVBBIT MAP BATCH 16 'traits/sentiment' USING (SELECT id, review FROM reviews WHERE stars < 3 ORDER BY id) WITH (limit = 200, model = 'small-fast')",
  "RVBBIT RUN 'traits/analyze_batch.yaml' USING (SELECT * FROM products WHERE category = 'electronics' LIMIT 500) WITH (as_table = 'electronics_batch')",
  "EXPLAIN RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' USING (SELECT * FROM products)",
  "CREATE TEMP TABLE brands AS RVBBIT MAP 'traits/extract_brand.yaml' AS brand USING (SELECT product_name FROM products)",
];
const TYPICAL_MAP = CORPUS[1]!;
const SQL_WITH_OPS =
  "SELECT id, text ALIGNS 'SQL is good for AI' AS score FROM tweets WHERE text MEANS 'talks about databases' LIMIT 10";

const ROUNDS = 7;
const ROUND_MS = 300;

/** Median, lowest and highest of a sample. */
function summary(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[s.length >> 1]!, min: s[0]!, max: s[s.length - 1]! };
}

/** CPU milliseconds this process has used: unlike wall time, it does not count the time other processes held the core. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Statements per CPU-second over ROUNDS timed rounds after a warm-up (the JIT
 * settles in the first second), so one slow round (GC, a busy neighbour) moves
 * the median little; the range shows how noisy the machine was.
 */
function rate(label: string, stmts: string[]): void {
  const warmUntil = performance.now() + 1000;
  for (let i = 0; performance.now() < warmUntil; i++) parse(stmts[i % stmts.length]!);
  const bytes = stmts.reduce((n, s) => n + s.length, 0) / stmts.length;
  const rates: number[] = [];
  const wallRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const t0 = cpuMs();
    const w0 = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (let i = 0; i < 500; i++) parse(stmts[(n + i) % stmts.length]!);
      n += 500;
      elapsed = cpuMs() - t0;
    }
    rates.push(n / (elapsed / 1000));
    wallRates.push(n / ((performance.now() - w0) / 1000));
  }
  const { median, min, max } = summary(rates);
  const wall = summary(wallRates).median;
  const k = (x: number) => Math.round(x).toLocaleString('en');
  console.log(
    `${label.padEnd(24)} median ${k(median).padStart(9)} statements/s  ${((median * bytes) / 1e6).toFixed(1).padStart(5)} MB/s  ` +
      `(${ROUNDS} rounds: ${k(min)}–${k(max)}, spread ±${(((max - min) / 2 / median) * 100).toFixed(1)}%; ` +
      `wall-clock median ${k(wall)}/s)`,
  );
}

/** A USING query of about `size` bytes: strings, comments, nested parens. */
function bigStatement(size: number): string {
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < size; i++) {
    const p = `(col${i} = 'it''s ${i}' /* c ${i} */ OR f(x${i}, "q""${i}") > ${i}.5)`;
    parts.push(p);
    len += p.length + 5;
  }
  return `RVBBIT MAP PARALLEL 8 'traits/x.yaml' USING (SELECT * FROM t WHERE ${parts.join(' AND ')} LIMIT 10) WITH (limit = 0)`;
}

function sizeTiming(size: number): void {
  const sql = bigStatement(size);
  parse(sql);
  const runs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = cpuMs();
    const r = parse(sql);
    runs.push(cpuMs() - t0);
    if (r.errors.length > 0 || r.statements.length !== 1) throw new Error('bench statement did not parse');
  }
  const { median, min, max } = summary(runs);
  const mb = sql.length / 1e6;
  console.log(
    `USING of ${(sql.length / 1024).toFixed(0).padStart(5)} KB: median ${median.toFixed(1).padStart(6)} ms  (${(mb / (median / 1000)).toFixed(0)} MB/s; ${ROUNDS} runs: ${min.toFixed(1)}–${max.toFixed(1)} ms)`,
  );
}

console.log(`node ${process.version}, ${new Date().toISOString()}, rates per CPU-second of this process`);
rate('typical MAP', [TYPICAL_MAP]);
rate('corpus (6 RVBBIT forms)', CORPUS);
rate('SQL with 2 operators', [SQL_WITH_OPS]);
for (const size of [100 * 1024, 1024 * 1024, 4 * 1024 * 1024]) sizeTiming(size);
