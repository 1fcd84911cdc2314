/**
 * Postgres arrays on the wire: the text form '{1,NULL,"a b"}' (array_out,
 * array_in) and the binary form array_send writes (dimensions, a null flag,
 * the element type, then each element as its own binary value).
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */

/** An array's elements, nested one level per dimension: text or binary values, or SQL NULL. */
export type ArrayTree<T> = (T | null | ArrayTree<T>)[];

/** An element as array_out writes it: quoted when empty, 'NULL', or holding braces, commas, quotes, backslashes or spaces. */
function quoteElement(text: string): string {
  if (text !== '' && !/[{}",\\\s]/.test(text) && text.toUpperCase() !== 'NULL') return text;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** A one-dimensional array in Postgres' text form. */
export function arrayText(items: readonly unknown[], elementText: (v: unknown) => string): string {
  const out = items.map((v) => (v === null || v === undefined ? 'NULL' : quoteElement(elementText(v))));
  return `{${out.join(',')}}`;
}

/** A one-dimensional array in array_send's form (an empty one has no dimensions, as Postgres sends it). */
export function arrayBinary(
  items: readonly unknown[],
  elementOid: number,
  elementBinary: (v: unknown) => Buffer,
): Buffer {
  const values = items.map((v) => (v === null || v === undefined ? null : elementBinary(v)));
  const hasNull = values.some((v) => v === null);
  const head = Buffer.alloc(items.length === 0 ? 12 : 20);
  head.writeInt32BE(items.length === 0 ? 0 : 1, 0);
  head.writeInt32BE(hasNull ? 1 : 0, 4);
  head.writeInt32BE(elementOid, 8);
  if (items.length > 0) {
    head.writeInt32BE(items.length, 12);
    head.writeInt32BE(1, 16);
  }
  const parts: Buffer[] = [head];
  for (const v of values) {
    const len = Buffer.alloc(4);
    len.writeInt32BE(v === null ? -1 : v.length);
    parts.push(len);
    if (v !== null) parts.push(v);
  }
  return Buffer.concat(parts);
}

/** A malformed array value (the caller reports it as a bad parameter). */
export class ArraySyntaxError extends Error {}

/** The elements of an array's text form ('{1,NULL,{2}}', '[0:1]={a,b}'), unquoted and unescaped. */
export function parseArrayText(text: string): ArrayTree<string> {
  let i = 0;
  const s = text;
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  skipSpace();
  // Explicit bounds ('[1:3][1:2]=') say nothing the braces do not.
  if (s[i] === '[') {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new ArraySyntaxError('malformed array dimensions');
    i = eq + 1;
    skipSpace();
  }
  const parseList = (): ArrayTree<string> => {
    if (s[i] !== '{') throw new ArraySyntaxError('array value must start with "{"');
    i++;
    const out: ArrayTree<string> = [];
    skipSpace();
    if (s[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (s[i] === '{') out.push(parseList());
      else if (s[i] === '"') {
        i++;
        let v = '';
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          v += s[i] ?? '';
          i++;
        }
        if (s[i] !== '"') throw new ArraySyntaxError('unterminated quoted array element');
        i++;
        out.push(v);
      } else {
        let v = '';
        let escaped = false;
        while (i < s.length && s[i] !== ',' && s[i] !== '}') {
          if (s[i] === '\\') {
            i++;
            escaped = true;
          }
          v += s[i] ?? '';
          i++;
        }
        const trimmed = v.trim();
        if (trimmed === '') throw new ArraySyntaxError('empty unquoted array element');
        out.push(!escaped && trimmed.toUpperCase() === 'NULL' ? null : trimmed);
      }
      skipSpace();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') {
        i++;
        return out;
      }
      throw new ArraySyntaxError('unexpected character in array value');
    }
  };
  const tree = parseList();
  skipSpace();
  if (i !== s.length) throw new ArraySyntaxError('junk after closing right brace');
  return tree;
}

/** The element type and elements (nested per dimension) of array_send's form. */
export function parseArrayBinary(b: Buffer): { elementOid: number; tree: ArrayTree<Buffer> } {
  const ndim = b.readInt32BE(0);
  const elementOid = b.readInt32BE(8);
  if (ndim < 0 || ndim > 6) throw new ArraySyntaxError(`invalid number of dimensions: ${ndim}`);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(b.readInt32BE(12 + d * 8));
  let at = 12 + ndim * 8;
  const read = (depth: number): ArrayTree<Buffer> => {
    const out: ArrayTree<Buffer> = [];
    for (let k = 0; k < dims[depth]!; k++) {
      if (depth + 1 < ndim) {
        out.push(read(depth + 1));
        continue;
      }
      const len = b.readInt32BE(at);
      at += 4;
      if (len < -1 || at + Math.max(len, 0) > b.length)
        throw new ArraySyntaxError('array element past its end');
      out.push(len === -1 ? null : b.subarray(at, at + len));
      at += Math.max(len, 0);
    }
    return out;
  };
  const tree = ndim === 0 ? [] : read(0);
  if (at !== b.length) throw new ArraySyntaxError('bytes after the last array element');
  return { elementOid, tree };
}
