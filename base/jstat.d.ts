// jstat (npm `jstat`) ships no declarations; rvbbit uses the normal quantile (src/plan/supg.ts,
// src/engine/tune.ts), the beta quantile (tune.ts: Clopper-Pearson bounds) and the hypergeometric
// distribution function (bench/supg-two-phase.bench.ts: exact bounds), typed here from jstat's docs
// (doc/md/distribution.md: normal.inv, beta.inv, hypgeom.cdf(k, N, m, n): P(X ≤ k) for n draws
// without replacement from N items of which m are successes).
declare module 'jstat' {
  const jStat: {
    readonly normal: { inv(p: number, mean: number, std: number): number };
    readonly beta: { inv(p: number, alpha: number, beta: number): number };
    readonly hypgeom: { cdf(k: number, N: number, m: number, n: number): number };
  };
  export default jStat;
}
