/**
 * Jinja's `for` statement, as @huggingface/jinja 0.5.11's interpreter runs it
 * (Interpreter.evaluateFor), at a fraction of its cost. The library makes, for
 * every item, an Environment it uses only for the loop's `if` filter (a Map
 * and a function value each) and a `loop` object of nine values, read or not:
 * 10,000 iterations of `{{ i }},` took ~70 ms warm, so a legit loop came close
 * to the main thread's 250 ms render bound on a busy machine. Here `loop` is
 * made when the template reads it (LoopScope) and the filter's scope only
 * when there is a filter.
 *
 * Everything a template can see is the library's, kept exactly
 * (test/cascade/jinja-loop.test.ts renders a corpus through both loops):
 * - `loop.index`, `index0`, `revindex`, `revindex0`, `first`, `last`,
 *   `length`, `previtem`, `nextitem` (undefined at the ends), in that order
 *   when `loop` is printed or iterated; `length` and the rest count the items
 *   the `if` filter kept;
 * - the filter is evaluated for every item before the first body runs, with
 *   the loop variable(s) bound in a scope of its own (`loop` there is an
 *   enclosing loop's);
 * - one scope for the whole loop: a `set` inside the body is seen by later
 *   iterations but not after the loop; the loop variables do not leak;
 * - `continue` drops what its iteration had rendered; an `else` block runs
 *   when no iteration finished its body (also when every one `continue`d, or
 *   the first `break`s), in the loop's scope;
 * - a mapping loops over its keys; `a, b` unpacks an item that is a list of
 *   exactly two, with the library's errors, at the same points.
 * Every evaluation goes through the caller's `evaluate` and `blockText`, so
 * steps count as with the library's loop: one per body (an empty one too).
 */
import { Environment, type Node, runtime, type Value } from './jinja-library.js';

/** How the loop evaluates what it holds: the strict interpreter's counted steps. */
export interface LoopEvaluation {
  evaluate(node: Node, scope: Environment): Value;
  /** A block's text; the block counts as one step, as each of its statements. */
  blockText(statements: readonly Node[], scope: Environment): string;
  /** Throws the render's size bound when `text` is over it (checked as the loop's text grows). */
  checkText(text: string): void;
}

const { ArrayValue, ObjectValue, IntegerValue, BooleanValue, UndefinedValue, StringValue } = runtime;

/** The `loop` value of iteration `i` over `items`, as the library builds it. */
function loopValue(items: readonly Value[], i: number): Value {
  const last = items.length - 1;
  return new ObjectValue(
    new Map<string, Value>([
      ['index', new IntegerValue(i + 1)],
      ['index0', new IntegerValue(i)],
      ['revindex', new IntegerValue(items.length - i)],
      ['revindex0', new IntegerValue(last - i)],
      ['first', new BooleanValue(i === 0)],
      ['last', new BooleanValue(i === last)],
      ['length', new IntegerValue(items.length)],
      ['previtem', i > 0 ? items[i - 1]! : new UndefinedValue()],
      ['nextitem', i < last ? items[i + 1]! : new UndefinedValue()],
    ]),
  );
}

/**
 * A loop's one scope, whose `loop` is made the first time this iteration
 * reads it (from this scope or any scope below, a macro's included, through
 * `resolve`), so a body that never reads it costs nothing for it. Once made,
 * it is the same value for the rest of the iteration; a template's own
 * `set loop` replaces it until the next iteration, as in the library.
 */
class LoopScope extends (Environment as new (parent?: Environment) => Environment) {
  private items: readonly Value[] = [];
  private iteration = -1;
  /** Whether `loop` in this scope's variables is this iteration's (or there is none to make). */
  private loopIsCurrent = true;

  begin(items: readonly Value[], iteration: number): void {
    this.items = items;
    this.iteration = iteration;
    this.loopIsCurrent = false;
  }

  override setVariable(name: string, value: Value): Value {
    if (name === 'loop') this.loopIsCurrent = true;
    return super.setVariable(name, value);
  }

  override resolve(name: string): Environment {
    if (name === 'loop' && !this.loopIsCurrent)
      this.setVariable('loop', loopValue(this.items, this.iteration));
    return super.resolve(name);
  }
}

/** `instanceof` that does not narrow: the runtime classes share one TypeScript type. */
const isA = (value: Value, of: abstract new (...args: never[]) => Value): boolean => value instanceof of;

/** Binds one item to the loop variable(s) in `scope` (the library's scopeUpdateFunction). */
function bind(loopvar: Node, scope: Environment, item: Value): void {
  if (loopvar.type === 'Identifier') {
    scope.setVariable(loopvar['value'] as string, item);
    return;
  }
  const names = loopvar['value'] as readonly Node[];
  const values = item.value as readonly Value[];
  for (let j = 0; j < names.length; ++j) {
    const name = names[j]!;
    if (name.type !== 'Identifier') throw new Error(`Cannot unpack non-identifier type: ${name.type}`);
    scope.setVariable(name['value'] as string, values[j]!);
  }
}

/** The library's checks of one item against the loop variable(s), made as it collects the items. */
function checkUnpack(loopvar: Node, item: Value): void {
  if (loopvar.type === 'Identifier') return;
  if (loopvar.type !== 'TupleLiteral') throw new Error(`Invalid loop variable(s): ${loopvar.type}`);
  if (item.type !== 'ArrayValue') throw new Error(`Cannot unpack non-iterable type: ${item.type}`);
  const names = (loopvar['value'] as readonly Node[]).length;
  const values = (item.value as readonly Value[]).length;
  if (names !== values) throw new Error(`Too ${names > values ? 'few' : 'many'} items to unpack`);
}

/** Renders a `For` node in `environment`: its text, as the library's StringValue. */
export function evaluateFor(node: Node, environment: Environment, run: LoopEvaluation): Value {
  const scope = new LoopScope(environment);
  const loopvar = node['loopvar'] as Node;
  const source = node['iterable'] as Node;
  const select = source.type === 'SelectExpression';
  const test = select ? (source['test'] as Node) : undefined;
  let iterable: Value = run.evaluate(select ? (source['lhs'] as Node) : source, scope);
  const mapping = isA(iterable, ObjectValue);
  if (!mapping && !isA(iterable, ArrayValue))
    throw new Error(`Expected iterable or object type in for loop: got ${iterable.type}`);
  if (mapping) iterable = (iterable as unknown as { keys(): Value }).keys();

  const all = iterable.value as readonly Value[];
  const items: Value[] = [];
  for (let i = 0; i < all.length; ++i) {
    const item = all[i]!;
    checkUnpack(loopvar, item);
    if (test) {
      const testScope = new Environment(scope);
      bind(loopvar, testScope, item);
      if (!run.evaluate(test, testScope).__bool__().value) continue;
    }
    items.push(item);
  }

  let text = '';
  let noIteration = true;
  for (let i = 0; i < items.length; ++i) {
    scope.begin(items, i);
    bind(loopvar, scope, items[i]!);
    try {
      text += run.blockText(node['body'] as Node[], scope);
      // Each body is within the bound; their sum is checked here, before it
      // reaches V8's longest string (an "Invalid string length" naming no bound).
      run.checkText(text);
    } catch (err) {
      if (err instanceof runtime.ContinueControl) continue;
      if (err instanceof runtime.BreakControl) break;
      throw err;
    }
    noIteration = false;
  }
  if (noIteration) {
    text += run.blockText(node['defaultBlock'] as Node[], scope);
    run.checkText(text);
  }
  return new StringValue(text);
}
