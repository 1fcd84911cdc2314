/**
 * The parts of @huggingface/jinja that rvbbit's Jinja builds on: its parser,
 * its interpreter and environment, the runtime value classes its interpreter
 * makes and checks with `instanceof` (the library exports none of them, so
 * each is taken from a value the library itself made), and the conversions
 * between JavaScript data and those values.
 */
import { createRequire } from 'node:module';

export type Program = { readonly type: 'Program'; readonly body: readonly unknown[] };
export type Node = { readonly type: string; readonly [key: string]: unknown };
export interface Value {
  readonly type: string;
  readonly value: unknown;
  toString(): string;
  __bool__(): Value;
}
export interface Environment {
  set(name: string, value: unknown): void;
  setVariable(name: string, value: Value): Value;
  resolve(name: string): Environment;
  lookupVariable(name: string): Value;
}
type ValueClass = new (value?: unknown) => Value;

interface JinjaLibrary {
  tokenize(source: string, options: { lstrip_blocks: boolean; trim_blocks: boolean }): unknown;
  parse(tokens: unknown): Program;
  Environment: new (parent?: Environment) => Environment;
  Interpreter: new (env: Environment) => { run(p: Program): Value; evaluate(n: Node, e: Environment): Value };
}
// Loaded untyped: the library's typings import their own files without extensions, which a
// NodeNext declaration build (tsconfig.build.json checks library typings) refuses (TS2834).
export const { tokenize, parse, Environment, Interpreter } = createRequire(import.meta.url)(
  '@huggingface/jinja',
) as JinjaLibrary;

/** rvbbit's whitespace: Jinja2's defaults (no trim_blocks, no lstrip_blocks). */
export const TOKENIZE_OPTIONS = { lstrip_blocks: false, trim_blocks: false } as const;

/** Plain JSON data as the library's runtime value (its own converter, which it does not export). */
export function runtimeValue(data: unknown): Value {
  const env = new Environment();
  env.set('v', data);
  return env.lookupVariable('v');
}

/** The class of the error the library's interpreter throws for a `break` or `continue` statement. */
function controlOf(type: 'Break' | 'Continue'): abstract new () => Error {
  try {
    new Interpreter(new Environment()).evaluate({ type }, new Environment());
  } catch (control) {
    return (control as Error).constructor as abstract new () => Error;
  }
  throw new Error(`@huggingface/jinja: a ${type} statement threw nothing`);
}

/** The library's runtime classes, as its interpreter makes and checks them. */
export const runtime = {
  StringValue: runtimeValue('').constructor as ValueClass,
  IntegerValue: runtimeValue(0).constructor as ValueClass,
  BooleanValue: runtimeValue(true).constructor as ValueClass,
  /** TupleValue extends it. */
  ArrayValue: runtimeValue([]).constructor as ValueClass,
  /** KeywordArgumentsValue extends it (a namespace() is no ObjectValue). */
  ObjectValue: runtimeValue({}).constructor as ValueClass,
  UndefinedValue: new Environment().lookupVariable('an undeclared name').constructor as ValueClass,
  BreakControl: controlOf('Break'),
  ContinueControl: controlOf('Continue'),
} as const;

/** Data as the library can hold it: plain JSON (bigint as number or text, dates as ISO text). */
export function toJinjaData(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value !== 'object') return typeof value === 'function' ? null : value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJinjaData);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJinjaData(v)]));
  if (ArrayBuffer.isView(value)) return String(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toJinjaData(v);
  return out;
}

/** A runtime value as plain JavaScript data (a list stays a list, a mapping an object). */
export function toPlain(v: Value): unknown {
  switch (v.type) {
    case 'ArrayValue':
      return (v.value as Value[]).map(toPlain);
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      return Object.fromEntries([...(v.value as Map<string, Value>)].map(([k, x]) => [k, toPlain(x)]));
    case 'NullValue':
    case 'UndefinedValue':
      return null;
    default:
      return v.value;
  }
}
