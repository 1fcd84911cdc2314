/**
 * A parsed YAML document that can say where any field path is in the file.
 */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  Scalar,
  visit,
} from 'yaml';

/** A field path as a list of keys and indexes: `['cells', 1, 'rules', 'max_turns']`. */
export type FieldPath = readonly (string | number)[];

/** Reports a problem at a path of the cascade (at its key rather than its value when `atKey`). */
export type Problem = (path: FieldPath, what: string, atKey?: boolean) => void;

export interface Position {
  readonly line: number;
  readonly column: number;
}

interface YamlProblem extends Position {
  readonly what: string;
}

export interface YamlSource {
  /** The document as plain JSON-like data (undefined for an empty file). */
  readonly value: unknown;
  readonly problems: readonly YamlProblem[];
  /** Where the value at `path` starts; the nearest existing ancestor if it does not exist. */
  positionOf(path: FieldPath): Position;
  /** Where the key at the end of `path` is written (for unknown keys). */
  keyPositionOf(path: FieldPath): Position;
  /** The scalar node at `path`, for mapping positions inside a string. */
  scalarAt(path: FieldPath): Scalar | undefined;
  /**
   * The plain value at `path` alone, under the same alias guard: what a file
   * whose whole value fails (an alias bomb elsewhere in it) still says there.
   * Undefined when the path is missing or its own value fails.
   */
  valueAt(path: FieldPath): unknown;
  linePos(offset: number): Position;
}

/** `cells[1].rules.max_turns` */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/**
 * The most times an alias may be expanded (yaml's guard, whose own default is
 * 100): a "billion laughs" file is a problem of that file, never a hang.
 */
const MAX_ALIAS_COUNT = 100;

export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const linePos = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problems: YamlProblem[] = doc.errors.map((e) => {
    const at = linePos(e.pos[0]);
    const what = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return { ...at, what };
  });
  let value: unknown;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // yaml throws its alias guard ("Excessive alias count", a billion laughs) rather than
      // listing it: a problem like any other, so the file is skipped, not every file with it.
      problems.push({ ...firstAlias(doc, linePos), what: (err as Error).message });
    }
  }

  const nodeAt = (path: FieldPath): { node: Node | null; depth: number } => {
    let node: unknown = doc.contents;
    let depth = 0;
    for (const part of path) {
      let next: unknown;
      if (isMap(node)) {
        next = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
        )?.value;
      } else if (isSeq(node) && typeof part === 'number') {
        next = node.items[part];
      }
      if (!next || typeof next !== 'object') break;
      node = next;
      depth++;
    }
    return { node: (node as Node | null) ?? null, depth };
  };
  const startOf = (node: Node | null): Position =>
    node?.range ? linePos(node.range[0]) : { line: 1, column: 1 };

  return {
    value,
    problems,
    linePos,
    positionOf: (path) => startOf(nodeAt(path).node),
    keyPositionOf(path) {
      const parent = nodeAt(path.slice(0, -1));
      const last = path[path.length - 1];
      if (parent.depth === path.length - 1 && isMap(parent.node)) {
        const pair = parent.node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        if (pair && isScalar(pair.key)) return startOf(pair.key);
      }
      return startOf(nodeAt(path).node);
    },
    scalarAt(path) {
      const found = nodeAt(path);
      return found.depth === path.length && found.node instanceof Scalar ? found.node : undefined;
    },
    valueAt(path) {
      const found = nodeAt(path);
      if (found.depth !== path.length || found.node === null) return undefined;
      try {
        return found.node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
      } catch {
        return undefined;
      }
    },
  };
}

/** Where the document's first alias (`*name`) is; the start of the file if it has none. */
function firstAlias(doc: Document, linePos: (offset: number) => Position): Position {
  let at: Position = { line: 1, column: 1 };
  visit(doc, {
    Alias(_key, node) {
      if (node.range) at = linePos(node.range[0]);
      return visit.BREAK;
    },
  });
  return at;
}
