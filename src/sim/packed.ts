/**
 * A packed operator prompt (src/cascade/packed-prompt.ts: n `<row>` blocks,
 * a schema `{ answers: [item × n] }`) is answered row by row, each row as the
 * request it would have been alone: the same system message with the item's
 * schema, the row's prompt as the user message — the row's text itself, or,
 * when the prompt states the shared instructions once (`<shared>` … `<row/>`
 * … `</shared>`), that text with the row's in place of `<row/>`. So packed
 * and unpacked answers agree exactly, seeded choices included.
 *
 * A block of pairs (src/statements/semantic/pairs/pair-blocks.ts) is read the same
 * way: its `<shared>` text holds `<left/>` and `<right/>`, its values are the
 * `<left>` and `<right>` blocks in order, and `<pairs>` lists the tasks, one
 * line per left value (`i: j a-b …`, 1-based); task k is the shared text
 * with the k-th pair's values in the slots, the request that pair makes alone.
 */
import type { SimChatBody, SimMessage } from './chat-request.js';

const ROW = /<row>\n([\s\S]*?)\n<\/row>/g;
const SHARED_OPEN = '\n\n<shared>\n';
const SHARED_CLOSE = '\n</shared>\n';
const ROW_SLOT = '<row/>';
const LEFT = /<left>\n([\s\S]*?)\n<\/left>/g;
const RIGHT = /<right>\n([\s\S]*?)\n<\/right>/g;
const PAIRS = /<pairs>\n([\s\S]*?)\n<\/pairs>/;
const LEFT_SLOT = '<left/>';
const RIGHT_SLOT = '<right/>';
const SCHEMA_LEAD = 'JSON Schema:\n';

/** The requests a packed request stands for, or undefined when it is not one. */
export function unpackedRequests(body: SimChatBody): SimChatBody[] | undefined {
  const answers = (body.schema?.properties as Record<string, Record<string, unknown>> | undefined)?.answers;
  const item = answers?.items as Record<string, unknown> | undefined;
  if (answers?.type !== 'array' || !item || typeof answers.minItems !== 'number') return undefined;
  const user = body.messages.findLast((m) => m.role === 'user');
  if (!user) return undefined;
  const rows = rowPrompts(user.content);
  if (rows.length !== answers.minItems) return undefined;
  const system = body.messages.find((m) => m.role === 'system' && m.content.includes(SCHEMA_LEAD));
  const lead: SimMessage[] = system
    ? [
        {
          role: 'system',
          content: `${system.content.slice(0, system.content.indexOf(SCHEMA_LEAD) + SCHEMA_LEAD.length)}${JSON.stringify(statedItem(system.content) ?? item)}`,
        },
      ]
    : [];
  return rows.map((content) => ({
    model: body.model,
    messages: [...lead, { role: 'user', content }],
    schema: item,
  }));
}

/** Each row's own prompt: its `<row>` block, inside the `<shared>` text when there is one. */
function rowPrompts(content: string): string[] {
  const open = content.indexOf(SHARED_OPEN);
  const close = open < 0 ? -1 : content.indexOf(SHARED_CLOSE, open + SHARED_OPEN.length);
  if (close < 0) return [...content.matchAll(ROW)].map((m) => m[1]!);
  const shared = content.slice(open + SHARED_OPEN.length, close);
  if (shared.includes(LEFT_SLOT) && shared.includes(RIGHT_SLOT))
    return blockPrompts(shared, content.slice(close + SHARED_CLOSE.length));
  const slot = shared.indexOf(ROW_SLOT);
  if (slot < 0) return [];
  const prefix = shared.slice(0, slot);
  const suffix = shared.slice(slot + ROW_SLOT.length);
  const rest = content.slice(close + SHARED_CLOSE.length);
  return [...rest.matchAll(ROW)].map((m) => `${prefix}${m[1]!}${suffix}`);
}

/** A block's tasks: the shared text with each listed pair's values in its slots; none when a pair names no value. */
function blockPrompts(shared: string, rest: string): string[] {
  const lefts = [...rest.matchAll(LEFT)].map((m) => m[1]!);
  const rights = [...rest.matchAll(RIGHT)].map((m) => m[1]!);
  const out: string[] = [];
  for (const line of PAIRS.exec(rest)?.[1]?.split('\n') ?? []) {
    const m = /^(\d+): (.+)$/.exec(line);
    const left = m ? lefts[Number(m[1]) - 1] : undefined;
    if (left === undefined) return [];
    for (const item of m![2]!.split(' ')) {
      const [from, to = from] = item.split('-').map(Number) as [number, number?];
      for (let j = from; j <= to!; j++) {
        const right = rights[j - 1];
        if (right === undefined) return [];
        out.push(shared.replace(LEFT_SLOT, () => left).replace(RIGHT_SLOT, () => right));
      }
    }
  }
  return out;
}

/**
 * The item schema the system message states: the cascade's own, which a
 * client may have changed for response_format (a strict provider's form):
 * the row's request alone would have stated that one.
 */
function statedItem(content: string): unknown {
  try {
    const stated = JSON.parse(content.slice(content.indexOf(SCHEMA_LEAD) + SCHEMA_LEAD.length)) as {
      properties?: { answers?: { items?: unknown } };
    };
    return stated.properties?.answers?.items;
  } catch {
    return undefined;
  }
}
