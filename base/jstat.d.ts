// jstat (npm `jstat`) ships no declarations; rvbbit uses only the normal quantile
// (src/plan/supg.ts), typed here from jstat's docs (doc/md/distribution.md, normal.inv).
declare module 'jstat' {
  const jStat: {
    readonly normal: { inv(p: number, mean: number, std: number): number };
  };
  export default jStat;
}
