/**
 * A proxy model's run (`-- @ proxy: small-fast confidence 0.8`): the
 * operator's own answer plus how sure the model is of it. The schema gains a
 * required `confidence` number (0..1) and the prompt says what it means; the
 * engine keeps answers at or above the threshold and sends the rest to the
 * statement's model (src/statements/semantic/proxies/proxy.ts).
 *
 * The same run asks for the answer's logprobs: where the provider gives them, the
 * probability of the token that decided the boolean (llm/logprobs.ts) replaces the
 * self-reported number, and `confidence_source: 'logprobs'` says so; where it does
 * not, the model's own word stands ('self-reported').
 */
type Schema = Readonly<Record<string, unknown>>;

const CONFIDENCE_KEY = 'confidence';
const SOURCE_KEY = 'confidence_source';

/** Where a proxy answer's confidence came from. */
export type ConfidenceSource = 'logprobs' | 'self-reported';

export const CONFIDENCE_LINE =
  '\n\nAlso give "confidence": how sure you are of this answer, from 0 (a guess) to 1 (certain).';

const withConfidence = new WeakMap<Schema, Schema>();

/** The object schema with a required `confidence`; undefined for a schema that is not an object. */
export function confidenceSchema(schema: Schema): Schema | undefined {
  const props = schema.properties as Record<string, unknown> | undefined;
  if (schema.type !== 'object' || !props || CONFIDENCE_KEY in props) return undefined;
  let hit = withConfidence.get(schema);
  if (!hit) {
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    hit = {
      ...schema,
      required: [...required, CONFIDENCE_KEY],
      properties: { ...props, [CONFIDENCE_KEY]: { type: 'number', minimum: 0, maximum: 1 } },
    };
    withConfidence.set(schema, hit);
  }
  return hit;
}

/** Splits a proxy answer into the operator's answer, its confidence (0 when missing) and where that came from. */
export function splitConfidence(output: unknown): {
  readonly answer: unknown;
  readonly confidence: number;
  readonly source: ConfidenceSource;
} {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) {
    return { answer: output, confidence: 0, source: 'self-reported' };
  }
  const { [CONFIDENCE_KEY]: c, [SOURCE_KEY]: from, ...answer } = output as Record<string, unknown>;
  return {
    answer,
    confidence: typeof c === 'number' && Number.isFinite(c) ? c : 0,
    source: from === 'logprobs' ? 'logprobs' : 'self-reported',
  };
}

/**
 * How one kind of answer takes its confidence from the logprobs: which leaves the
 * probabilities are counted over (in the answer's order, a packed answer's rows
 * included), which of an object's entries carries its probability, and what an
 * object with a `confidence` then records.
 */
interface LeafRule {
  readonly isLeaf: (v: unknown) => boolean;
  /** The entry whose leaf's probability the object takes (the first that matches). */
  readonly decides: (key: string, v: unknown) => boolean;
  /** The object's confidence from that probability; undefined leaves it as it was. */
  readonly confidence: (out: Record<string, unknown>, p: number) => number | undefined;
}

/** A boolean `result` decides: its confidence is P(the answer given). */
const BOOLEAN_RESULT: LeafRule = {
  isLeaf: (v) => typeof v === 'boolean',
  decides: (k, v) => k === 'result' && typeof v === 'boolean',
  confidence: (out, pTrue) =>
    typeof out.result === 'boolean' ? (out.result ? pTrue : 1 - pTrue) : undefined,
};

/** A label (a classification's proxy): the object's first string value decides, when it has no boolean `result`. */
const FIRST_LABEL: LeafRule = {
  isLeaf: (v) => typeof v === 'string',
  decides: (k, v) => typeof v === 'string' && k !== SOURCE_KEY,
  confidence: (out, p) => (typeof out.result !== 'boolean' ? p : undefined),
};

/**
 * The answer with every object's confidence taken from the leaf probabilities,
 * one per leaf in order; a count that does not match leaves the answer as it was.
 */
function withLeafConfidence(value: unknown, probabilities: readonly number[], rule: LeafRule): unknown {
  let count = 0;
  const countLeaves = (v: unknown): void => {
    if (rule.isLeaf(v)) count++;
    else if (Array.isArray(v)) v.forEach(countLeaves);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(countLeaves);
  };
  countLeaves(value);
  if (count !== probabilities.length) return value;
  let at = 0;
  const rewrite = (v: unknown): unknown => {
    if (rule.isLeaf(v)) {
      at++;
      return v;
    }
    if (Array.isArray(v)) return v.map(rewrite);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    let p: number | undefined;
    for (const [k, x] of Object.entries(v)) {
      if (p === undefined && rule.decides(k, x)) p = probabilities[at];
      out[k] = rewrite(x);
    }
    const confidence = p === undefined || !(CONFIDENCE_KEY in out) ? undefined : rule.confidence(out, p);
    if (confidence !== undefined) {
      out[CONFIDENCE_KEY] = confidence;
      out[SOURCE_KEY] = 'logprobs';
    }
    return out;
  };
  return rewrite(value);
}

/**
 * The answer with each boolean `result`'s confidence taken from the logprobs:
 * `trueProbabilities` holds P(true) for every boolean of the answer in order (a
 * packed answer's rows included); a count that does not match leaves it as it was.
 */
export function withLogprobConfidence(value: unknown, trueProbabilities: readonly number[]): unknown {
  return withLeafConfidence(value, trueProbabilities, BOOLEAN_RESULT);
}

/**
 * The answer with each label's confidence taken from the logprobs (a classification's
 * proxy: `{"label": "positive", "confidence": …}`): `labelProbabilities` holds the
 * probability of every string value of the answer in order (llm/logprobs.ts); an
 * object with a `confidence` and no boolean `result` takes its first string value's.
 * A count that does not match leaves the answer as it was.
 */
export function withLabelConfidence(value: unknown, labelProbabilities: readonly number[]): unknown {
  return withLeafConfidence(value, labelProbabilities, FIRST_LABEL);
}
