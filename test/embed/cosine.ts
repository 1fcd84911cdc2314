/** Cosine similarity in plain JS: the yardstick the tests hold DuckDB's and the prefilter's rankings to. */
export const cos = (a: readonly number[], b: readonly number[]): number => {
  let d = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    d += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return d / Math.sqrt(na * nb);
};
