/**
 * `-- @ pair_split: off | on | recall r precision p [delta d]`: whether a pair
 * condition that compares one attribute of each side ("the two reviews express
 * opposite sentiments") may run as per-row labels plus a comparison of the two
 * labels, and the targets its sample check must meet against the pairwise
 * answers (src/statements/semantic/pairs/pair-split.ts). The engine option
 * `pairSplit` (config `pair_split: off`) sets the default; the annotation wins.
 * Written in a statement (on or targets), it forces the split wherever it is
 * offered; unsaid, the planner takes it only when priced under the best pair
 * plan (src/statements/semantic/pairs/split-cost.ts, semantic-options.ts `forced`).
 * @see ../docs/semantic-sql.md ("Pair conditions split into labels")
 */

export interface PairSplitSetting {
  /** false: pair conditions are never split (pairwise, packed, blocks or small side, as priced). */
  readonly on: boolean;
  /** Share of the pairwise answers' true pairs the split must keep, bounded below at 1 − delta/2. */
  readonly recall: number;
  /** Share of the split's true pairs the pairwise answers agree with, bounded below at 1 − delta/2. */
  readonly precision: number;
  /** Failure probability of the check: both bounds hold together with probability ≥ 1 − delta. */
  readonly delta: number;
}

/**
 * The targets when none is written: the proxies' usual ones (docs/semantic-sql.md,
 * "Proxy models with targets"): recall = precision = 0.9, delta 0.05.
 */
export const DEFAULT_PAIR_SPLIT: PairSplitSetting = { on: true, recall: 0.9, precision: 0.9, delta: 0.05 };

const KEYS = ['recall', 'precision', 'delta'] as const;
const WANT = "off, on, or targets such as 'recall 0.9 precision 0.9 delta 0.05'";

/** The annotation's text as a setting, or what is wrong with it (the caller names the key). */
export function pairSplitAnnotation(
  text: string,
): { readonly value: PairSplitSetting } | { readonly want: string } | { readonly message: string } {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'false') return { value: { ...DEFAULT_PAIR_SPLIT, on: false } };
  if (t === 'on' || t === 'true') return { value: DEFAULT_PAIR_SPLIT };
  const words = t.split(/\s+/);
  if (words.length % 2 !== 0) return { want: WANT };
  const out: Record<string, number> = {};
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i]!;
    if (!(KEYS as readonly string[]).includes(key))
      return { message: `pair_split takes off, on, or recall/precision/delta targets, not '${key}'` };
    if (key in out) return { message: `pair_split: '${key}' is given twice` };
    const n = /^[0-9.]+$/.test(words[i + 1]!) ? Number(words[i + 1]) : Number.NaN;
    const ok = key === 'delta' ? n > 0 && n <= 0.5 : n > 0 && n <= 1;
    if (!ok)
      return {
        message: `pair_split: ${key} must be ${key === 'delta' ? 'a number over 0, at most 0.5' : 'a number over 0, at most 1'}, got '${words[i + 1]}'`,
      };
    out[key] = n;
  }
  return { value: { ...DEFAULT_PAIR_SPLIT, ...out, on: true } };
}

/** The annotation's canonical text: `off`, `on` (the default targets), else the targets. */
export function formatPairSplit(s: PairSplitSetting): string {
  if (!s.on) return 'off';
  const d = DEFAULT_PAIR_SPLIT;
  if (s.recall === d.recall && s.precision === d.precision && s.delta === d.delta) return 'on';
  return `recall ${s.recall} precision ${s.precision} delta ${s.delta}`;
}
