/**
 * `budget_dollars`: a spend counter every worker adds to, so "stop starting
 * new runs once spent" holds across threads without waiting for chunk ends.
 * Nano-dollars in a BigInt64 cell, because Atomics cannot add floats.
 */
export function createBudgetBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(8);
}

export function addSpend(buffer: SharedArrayBuffer, dollars: number | null): void {
  if (dollars === null || !(dollars > 0)) return;
  Atomics.add(new BigInt64Array(buffer), 0, BigInt(Math.round(dollars * 1e9)));
}

export function spentDollars(buffer: SharedArrayBuffer): number {
  return Number(Atomics.load(new BigInt64Array(buffer), 0)) / 1e9;
}

export function budgetExhausted(
  buffer: SharedArrayBuffer | undefined,
  limitNanos: number | undefined,
): boolean {
  if (!buffer || limitNanos === undefined) return false;
  return Atomics.load(new BigInt64Array(buffer), 0) >= BigInt(limitNanos);
}
