// jstat (npm `jstat`) ships no declarations; rvbbit uses the normal quantile (src/plan/supg.ts,
// src/engine/tune.ts) and the beta quantile (tune.ts: Clopper-Pearson bounds), typed here from
// jstat's docs (doc/md/distribution.md: normal.inv, beta.inv).
declare module 'jstat' {
  const jStat: {
    readonly normal: { inv(p: number, mean: number, std: number): number };
    readonly beta: { inv(p: number, alpha: number, beta: number): number };
  };
  export default jStat;
}
