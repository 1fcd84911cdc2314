/**
 * `budget_dollars` and `budget_tokens`: spend counters every worker adds to,
 * so "stop starting new runs once spent" holds across threads without
 * waiting for chunk ends. Two BigInt64 cells (Atomics cannot add floats):
 * nano-dollars, then tokens (in + out).
 */
import { budgetNanos, type CallLimits } from '../cascade/call-limits.js';
import { type ChunkRow, failedOutcome, type RowOutcome } from './chunk-protocol.js';

const NANOS = 0;
const TOKENS = 1;

export function createBudgetBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(16);
}

/** Adds one run's spend: its dollars (null = unknown, nothing added) and its tokens. */
export function addSpend(buffer: SharedArrayBuffer, dollars: number | null, tokens = 0): void {
  const cells = new BigInt64Array(buffer);
  if (dollars !== null && dollars > 0) Atomics.add(cells, NANOS, BigInt(Math.round(dollars * 1e9)));
  if (tokens > 0) Atomics.add(cells, TOKENS, BigInt(Math.round(tokens)));
}

/** Nano-dollars and tokens spent, as whole numbers (what crosses to Redis: scale/permit-lease.ts). */
export function spentRaw(buffer: SharedArrayBuffer): { readonly nanos: number; readonly tokens: number } {
  const cells = new BigInt64Array(buffer);
  return { nanos: Number(Atomics.load(cells, NANOS)), tokens: Number(Atomics.load(cells, TOKENS)) };
}

/** Adds whole nano-dollars and tokens (spend made elsewhere: scale/permit-lease.ts). */
export function addRaw(buffer: SharedArrayBuffer, nanos: number, tokens: number): void {
  const cells = new BigInt64Array(buffer);
  if (nanos > 0) Atomics.add(cells, NANOS, BigInt(nanos));
  if (tokens > 0) Atomics.add(cells, TOKENS, BigInt(tokens));
}

export function spentDollars(buffer: SharedArrayBuffer): number {
  return Number(Atomics.load(new BigInt64Array(buffer), NANOS)) / 1e9;
}

export function spentTokens(buffer: SharedArrayBuffer): number {
  return Number(Atomics.load(new BigInt64Array(buffer), TOKENS));
}

/** Which of the statement's budgets is spent ('budget_dollars' or 'budget_tokens'), or undefined while neither is. */
export function budgetSpent(
  buffer: SharedArrayBuffer | undefined,
  limits: Pick<CallLimits, 'budgetDollars' | 'budgetTokens'>,
): 'budget_dollars' | 'budget_tokens' | undefined {
  const limitNanos = budgetNanos(limits);
  const limitTokens = limits.budgetTokens;
  if (!buffer || (limitNanos === undefined && limitTokens === undefined)) return undefined;
  const cells = new BigInt64Array(buffer);
  if (limitNanos !== undefined && Atomics.load(cells, NANOS) >= BigInt(limitNanos)) return 'budget_dollars';
  if (limitTokens !== undefined && Atomics.load(cells, TOKENS) >= BigInt(limitTokens)) return 'budget_tokens';
  return undefined;
}

/** The BUDGET_EXCEEDED message of a row that did not start. */
export function budgetMessage(which: 'budget_dollars' | 'budget_tokens'): string {
  return `${which} was spent before this row started`;
}

/** A row that never ran because the statement's budget was spent. */
export function budgetFailure(which: 'budget_dollars' | 'budget_tokens') {
  return (row: ChunkRow): RowOutcome => failedOutcome(row.index, 'BUDGET_EXCEEDED', budgetMessage(which));
}
