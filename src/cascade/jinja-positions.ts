/**
 * Where things are inside a Jinja template's source, which the library never
 * says: the `{{ }}`, `{% %}` and `{# #}` blocks, the block a parse error is in
 * (locateJinjaError), where a name is first used, and the error for an
 * undefined value, named and placed.
 */
import { type Node, parse, TOKENIZE_OPTIONS, tokenize } from './jinja-library.js';

/** Where a Jinja template fails, inside the template (1-based). */
export interface JinjaPosition {
  readonly what: string;
  readonly line: number;
  readonly column: number;
}

/** A render failure at a line and column inside the template (the message says them too). */
export class JinjaRenderError extends Error {
  override name = 'JinjaRenderError';
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${what} at line ${line}, column ${column}`);
  }
}

/** `input.texts` for the expression that names it; undefined when it is no plain path. */
function pathOf(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier') return String(node['value']);
  if (node.type === 'MemberExpression' && !node['computed']) {
    const object = pathOf(node['object'] as Node);
    const property = node['property'] as Node;
    return `${object ?? '…'}.${String(property['value'])}`;
  }
  return undefined;
}

/** The error for an undefined `node`: its name, where it is first used. */
export function undefinedError(source: string, node: Node): JinjaRenderError {
  const path = pathOf(node);
  if (path === undefined) {
    const { line, column } = firstBlock(source);
    return new JinjaRenderError('undefined value', line, column);
  }
  const attribute = path.startsWith('…');
  const { line, column } = positionOfName(source, attribute ? path.slice(2) : path);
  return new JinjaRenderError(`undefined ${attribute ? 'attribute' : 'variable'} "${path}"`, line, column);
}

/** Where `path` is first used inside a `{{ }}` or `{% %}` block. */
export function positionOfName(source: string, path: string): { line: number; column: number } {
  const name = new RegExp(`(?<![\\w])${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`);
  for (const block of blocksOf(source)) {
    const found = name.exec(block.text);
    if (found) return lineColumn(source, block.offset + found.index);
  }
  return firstBlock(source);
}

export function firstBlock(source: string): { line: number; column: number } {
  const first = blocksOf(source)[0];
  return lineColumn(source, first?.offset ?? 0);
}

interface Block {
  /** The whole block, delimiters included. */
  readonly text: string;
  readonly offset: number;
  readonly kind: '{{' | '{%' | '{#';
}

const CLOSERS = { '{{': '}}', '{%': '%}', '{#': '#}' } as const;

/** The `{{ }}`, `{% %}` and `{# #}` blocks of a template, in order; an unclosed one runs to the end. */
function blocksOf(source: string): Block[] {
  const blocks: Block[] = [];
  const opener = /\{[{%#]/g;
  for (let m = opener.exec(source); m; m = opener.exec(source)) {
    const kind = m[0] as Block['kind'];
    const end = source.indexOf(CLOSERS[kind], m.index + 2);
    const stop = end < 0 ? source.length : end + 2;
    blocks.push({ text: source.slice(m.index, stop), offset: m.index, kind });
    opener.lastIndex = stop;
    if (kind === '{%' && /^\{%-?\s*raw\b/.test(blocks.at(-1)!.text)) {
      const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
      endRaw.lastIndex = stop;
      const closed = endRaw.exec(source);
      opener.lastIndex = closed ? closed.index : source.length;
    }
  }
  return blocks;
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function parses(text: string): string | undefined {
  try {
    parse(tokenize(text, TOKENIZE_OPTIONS));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Block tags and the tag that ends each. */
const ENDS: Record<string, string> = {
  if: 'endif',
  for: 'endfor',
  macro: 'endmacro',
  call: 'endcall',
  filter: 'endfilter',
  generation: 'endgeneration',
};

/**
 * Finds which block a template's parse error is in, since the library reports
 * none: an unclosed block, an expression that does not parse alone, a tag out
 * of place or never closed. Falls back to the first block with the library's
 * message.
 */
export function locateJinjaError(source: string, message: string): JinjaPosition {
  const at = (b: Block, what: string): JinjaPosition => ({ what, ...lineColumn(source, b.offset) });
  const open: { tag: string; block: Block }[] = [];
  for (const b of blocksOf(source)) {
    if (!b.text.endsWith(CLOSERS[b.kind]))
      return at(b, `"${b.kind}" is never closed with "${CLOSERS[b.kind]}"`);
    if (b.kind === '{#') continue;
    if (b.kind === '{{') {
      const why = parses(b.text);
      if (why) return at(b, why);
      continue;
    }
    const inner = b.text.slice(2, -2).replace(/^-|-$/g, '').trim();
    const tag = /^\w+/.exec(inner)?.[0] ?? '';
    const rest = inner.slice(tag.length).trim();
    const top = open.at(-1);
    if (tag in ENDS) {
      open.push({ tag, block: b });
      const why =
        tag === 'if' ? parses(`{{ ${rest} }}`) : tag === 'for' ? parses(`${b.text}{% endfor %}`) : undefined;
      if (why) return at(b, why);
    } else if (tag === 'set') {
      if (rest.includes('=')) {
        const why = parses(b.text);
        if (why) return at(b, why);
      } else open.push({ tag, block: b });
    } else if (tag === 'elif' || tag === 'else') {
      if (!top || (top.tag !== 'if' && !(tag === 'else' && top.tag === 'for')))
        return at(b, `"${tag}" outside an "if"${tag === 'else' ? ' or "for"' : ''}`);
      const why = tag === 'elif' ? parses(`{{ ${rest} }}`) : undefined;
      if (why) return at(b, why);
    } else if (tag.startsWith('end')) {
      const expected = top && (top.tag === 'set' ? 'endset' : ENDS[top.tag]);
      if (tag !== expected)
        return at(
          b,
          top
            ? `"${tag}" where "${expected}" closes the "${top.tag}" above`
            : `"${tag}" with no block to close`,
        );
      open.pop();
    } else if (!['break', 'continue', 'raw'].includes(tag)) {
      return at(b, `unknown tag "${tag}"`);
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    const end = unclosed.tag === 'set' ? 'endset' : ENDS[unclosed.tag];
    return at(unclosed.block, `"${unclosed.tag}" is never closed with "${end}"`);
  }
  return { what: message, ...firstBlock(source) };
}
