/**
 * "Something changed": waiters sleep on `wait()` and every one wakes on the
 * next `notify()`, then checks its own condition again. What the reorder
 * buffer, the MAP's window and the read-ahead wait on.
 */
export class ChangeSignal {
  private waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
