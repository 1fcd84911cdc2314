/**
 * Semantic de-duplication: `ENTITY(col [, 'what makes two the same'])`, a
 * dimension (`mode: entities`) that gives each distinct value the
 * representative of its cluster of values naming the same entity, so
 * `GROUP BY ENTITY(name)` groups duplicates and `SELECT DISTINCT ENTITY(name)`
 * lists each entity once. The pipeline is DocETL's `resolve` (and LOTUS's
 * `sem_dedup`): blocking by embedding, the model asked about the blocked pairs
 * only, then transitive closure.
 *
 * 1. Blocking: every distinct value with its `neighbours` nearest values by
 *    cosine of their embeddings (exact, prefilter.ts topK); a pair is compared
 *    when either value is among the other's nearest. n values make at most
 *    n × neighbours pairs of the n(n-1)/2.
 * 2. Confirmation: each blocked pair is one run of the function's cascade
 *    (inputs `text`, `other`, `criterion`: is it the same entity?), packed
 *    ENTITY_BATCH pairs per prompt, as a dimension's assignments are.
 * 3. Closure: union-find over the confirmed pairs; a cluster's representative
 *    is its member with the most confirmed pairs inside it, then the longest,
 *    then the first in sort order (deterministic whatever order rows came in).
 *    Every value is in exactly one cluster; NULL stays NULL, no call.
 *
 * A statement's record passes may reveal values over several passes (behind
 * another operator's filter): the clustering is kept per statement and redone
 * over every value seen, new pairs only asked about, and the answers of
 * earlier values updated (resolve-tuples.ts sets them again), so the pass
 * that misses nothing reads one consistent clustering.
 */
import type { SemanticFunction } from '../../../plan/operator-catalog.js';
import type { CallRunner, CallTarget } from '../calls/call-runner.js';
import { topK } from '../pairs/prefilter.js';
import type { SqlValue, Tuple } from '../state/statement-calls.js';

/** Pairs per confirmation prompt, whatever the statement's `batch` says: confirming is what packing is for. */
export const ENTITY_BATCH = 16;
/** Nearest values each value is compared with when the statement sets no `-- @ prefilter: k`. */
export const ENTITY_NEIGHBOURS = 8;

/** One set of other args' clustering (per criterion): its values, their tuple keys, the pairs judged. */
interface EntityGroup {
  readonly label: string;
  /** The other args (criterion, hint): the same for every pair asked. */
  readonly args: Readonly<Record<string, unknown>>;
  /** Tuple keys by value (one value may be asked by several keys only through the hint, which is shared). */
  readonly keys: Map<string, Set<string>>;
  /** Answers by pair (`JSON [a, b]`, a < b). */
  readonly judged: Map<string, boolean>;
  report?: EntityReport;
}

export interface EntityReport {
  readonly values: number;
  readonly allPairs: number;
  readonly compared: number;
  readonly confirmed: number;
  readonly clusters: number;
  /** Clusters of two or more values. */
  readonly merged: number;
}

/** A statement's clusterings, by function and other args. */
export type EntityStates = Map<string, EntityGroup>;

/** Vectors for texts, embedded (cached) as the statement's embeddings are. */
export type TextVectors = (texts: readonly string[]) => Promise<(text: string) => ArrayLike<number>>;

/**
 * Values for these tuples, and for every earlier tuple of the same
 * clustering whose representative the new values changed, by tuple key.
 */
export async function resolveEntities(
  fn: SemanticFunction,
  target: CallTarget,
  tuples: readonly Tuple[],
  runner: CallRunner,
  states: EntityStates,
  vectors: TextVectors,
  neighbours: number,
  signal?: AbortSignal,
): Promise<Map<string, SqlValue>> {
  const source = fn.sql.dimension!.source;
  const out = new Map<string, SqlValue>();
  const touched = new Set<EntityGroup>();
  for (const t of tuples) {
    const { [source]: value, ...rest } = t.inputs;
    if (value === null || value === undefined) {
      out.set(t.key, null);
      continue;
    }
    const id = `${fn.name}\u0000${JSON.stringify(rest)}`;
    let group = states.get(id);
    if (!group) {
      // Named in the strategy by the args the call gave (a default, or the hint, says nothing).
      const defaults = new Map(fn.sql.args.map((a) => [a.name, a.default ?? '']));
      const args = Object.entries(rest)
        .filter(([k, v]) => k !== 'hint' && v !== '' && v !== defaults.get(k))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      group = { label: `${fn.name}(${args.join(', ')})`, args: rest, keys: new Map(), judged: new Map() };
      states.set(id, group);
    }
    const text = String(value);
    const keys = group.keys.get(text);
    if (keys) keys.add(t.key);
    else group.keys.set(text, new Set([t.key]));
    touched.add(group);
  }
  for (const group of touched) {
    const values = [...group.keys.keys()].sort();
    const pairs = await blockedPairs(values, vectors, neighbours, signal);
    const ask = pairs.filter((p) => !group.judged.has(p));
    if (ask.length > 0) {
      const inputs = ask.map((p) => {
        const [text, other] = JSON.parse(p) as [string, string];
        return { ...group.args, text, other };
      });
      const answers = await runner.run({ ...target, batch: ENTITY_BATCH }, inputs);
      ask.forEach((p, i) => {
        group.judged.set(p, resultOf(answers[i]));
      });
    }
    const { representative, report } = cluster(values, pairs, group.judged);
    group.report = report;
    for (const [value, keys] of group.keys) for (const k of keys) out.set(k, representative.get(value)!);
  }
  return out;
}

/** The pairs blocking keeps, each once (`JSON [a, b]`, a < b), in a fixed order. */
async function blockedPairs(
  values: readonly string[],
  vectors: TextVectors,
  neighbours: number,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  if (values.length < 2) return [];
  const vectorOf = await vectors(values);
  // k + 1: a value's nearest is itself.
  const near = await topK(values, values, vectorOf, Math.min(neighbours + 1, values.length), signal);
  const pairs = new Set<string>();
  near.forEach((js, i) => {
    for (const j of js) {
      if (j === i) continue;
      pairs.add(JSON.stringify(i < j ? [values[i], values[j]] : [values[j], values[i]]));
    }
  });
  return [...pairs].sort();
}

/** Transitive closure of the confirmed pairs, and each value's representative. */
function cluster(
  values: readonly string[],
  pairs: readonly string[],
  judged: ReadonlyMap<string, boolean>,
): { representative: Map<string, string>; report: EntityReport } {
  const index = new Map(values.map((v, i) => [v, i]));
  const parent = values.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const links = new Array<number>(values.length).fill(0);
  let confirmed = 0;
  for (const p of pairs) {
    if (judged.get(p) !== true) continue;
    const [a, b] = (JSON.parse(p) as [string, string]).map((v) => index.get(v)!) as [number, number];
    confirmed++;
    links[a]!++;
    links[b]!++;
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const members = new Map<number, number[]>();
  values.forEach((_, i) => {
    const root = find(i);
    const m = members.get(root);
    if (m) m.push(i);
    else members.set(root, [i]);
  });
  const representative = new Map<string, string>();
  let merged = 0;
  for (const m of members.values()) {
    if (m.length > 1) merged++;
    // Values are sorted, so among equals the first index is the first in sort order.
    const best = m.reduce((x, y) =>
      links[y]! > links[x]! || (links[y] === links[x] && values[y]!.length > values[x]!.length) ? y : x,
    );
    for (const i of m) representative.set(values[i]!, values[best]!);
  }
  const n = values.length;
  return {
    representative,
    report: {
      values: n,
      allPairs: (n * (n - 1)) / 2,
      compared: pairs.length,
      confirmed,
      clusters: members.size,
      merged,
    },
  };
}

/** `{"result": true}` (or a bare boolean) → true. */
function resultOf(answer: unknown): boolean {
  if (answer !== null && typeof answer === 'object' && !Array.isArray(answer))
    return (answer as Record<string, unknown>)['result'] === true;
  return answer === true;
}

/** One line per clustering for the statement's strategy: pairs compared against all pairs. */
export function describeEntities(states: EntityStates): string[] {
  return [...states.values()].flatMap((g) => (g.report ? [`${g.label}: ${entityLine(g.report)}`] : []));
}

export function entityLine(r: EntityReport): string {
  const share = r.allPairs === 0 ? 0 : (100 * r.compared) / r.allPairs;
  return `${r.values} distinct values, ${r.compared} of ${r.allPairs} pairs compared (${share.toFixed(2)}%), ${r.confirmed} the same; ${r.clusters} entities, ${r.merged} of them from two or more values`;
}
