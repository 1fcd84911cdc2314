/**
 * A proxy model's run (`-- @ proxy: small-fast confidence 0.8`): the
 * operator's own answer plus how sure the model is of it. The schema gains a
 * required `confidence` number (0..1) and the prompt says what it means; the
 * engine keeps answers at or above the threshold and sends the rest to the
 * statement's model (src/statements/semantic/proxy.ts).
 */
type Schema = Readonly<Record<string, unknown>>;

const CONFIDENCE_KEY = 'confidence';

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

/** Splits a proxy answer into the operator's answer and its confidence (0 when missing). */
export function splitConfidence(output: unknown): { readonly answer: unknown; readonly confidence: number } {
  if (output === null || typeof output !== 'object' || Array.isArray(output)) {
    return { answer: output, confidence: 0 };
  }
  const { [CONFIDENCE_KEY]: c, ...answer } = output as Record<string, unknown>;
  return { answer, confidence: typeof c === 'number' && Number.isFinite(c) ? c : 0 };
}
