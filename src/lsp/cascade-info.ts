/**
 * What hover shows of a cascade file: its description, inputs and cells, and
 * the `sql_function` block. Read with the plain YAML parser (a half-written
 * cascade still hovers), cached by path and modification time.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface CascadeInfo {
  readonly id: string;
  readonly description: string;
  /** Input name → its description. */
  readonly inputs: readonly (readonly [string, string])[];
  /** Cell name and, for a model cell, its model. */
  readonly cells: readonly string[];
  readonly text: string;
}

const cache = new Map<string, { mtimeMs: number; info: CascadeInfo | undefined }>();

export function cascadeInfo(file: string): CascadeInfo | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.info;
  const info = read(file);
  cache.set(file, { mtimeMs, info });
  return info;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function read(file: string): CascadeInfo | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const doc: unknown = parseYaml(text);
    if (!isObj(doc)) return undefined;
    const inputs = isObj(doc.inputs_schema) ? doc.inputs_schema : {};
    const cells = Array.isArray(doc.cells) ? doc.cells.filter(isObj) : [];
    return {
      id: String(doc.cascade_id ?? ''),
      description: typeof doc.description === 'string' ? doc.description : '',
      inputs: Object.entries(inputs).map(
        ([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const,
      ),
      cells: cells.map(
        (c) => `${String(c.name ?? '?')}${typeof c.model === 'string' ? ` (model ${c.model})` : ''}`,
      ),
      text,
    };
  } catch {
    return undefined;
  }
}

/** The 0-based line of the first occurrence of `needle` in the file's text (0 if absent). */
export function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at < 0 ? 0 : text.slice(0, at).split('\n').length - 1;
}
