/**
 * A process's PARALLEL leases (scale/permit-lease.ts): one per statement
 * running here, shared by its chunks, and the connections they block on. A
 * lease ends once no chunk uses it; a chunk of the same statement after that
 * gets a new lease, which starts once the old one has given everything back.
 */
import type { Redis } from 'ioredis';
import { PermitLease, REDIS_AWAY_MS } from './permit-lease.js';

/** A process's leases, one per statement running here, and the connections they block on. */
export class PermitLeases {
  private readonly leases = new Map<string, PermitLease>();
  /** Leases giving back, by statement: a new one of the same statement starts after. */
  private readonly ending = new Map<string, Promise<void>>();
  private readonly idleBlocking: Redis[] = [];
  private closed = false;

  constructor(
    /** This process as a holder: a worker's registry id, or the coordinator's own. */
    readonly holder: string,
    private readonly client: () => Redis,
    private readonly openBlocking: () => Promise<Redis>,
    /** How long Redis may be away before a lease stops its rows. */
    private readonly awayMs = REDIS_AWAY_MS,
  ) {}

  /** The statement's lease here, with one more user (a chunk running); call done() after. */
  use(statement: string, budgeted: boolean, abort?: SharedArrayBuffer): PermitLease {
    let lease = this.leases.get(statement);
    if (!lease) {
      const made: PermitLease = new PermitLease(
        statement,
        this.holder,
        {
          client: this.client,
          borrowBlocking: async () => this.idleBlocking.pop() ?? this.openBlocking(),
          returnBlocking: (c) => {
            if (this.closed || this.idleBlocking.length >= 8) c.disconnect();
            else this.idleBlocking.push(c);
          },
          awayMs: this.awayMs,
        },
        budgeted,
        () => {
          if (this.leases.get(statement) === made) this.leases.delete(statement);
          const ended = made.ended.finally(() => {
            if (this.ending.get(statement) === ended) this.ending.delete(statement);
          });
          this.ending.set(statement, ended);
        },
        this.ending.get(statement),
        abort,
      );
      lease = made;
      this.leases.set(statement, lease);
    }
    lease.use();
    return lease;
  }

  /** The statement's lease, if one is here now. */
  get(statement: string): PermitLease | undefined {
    return this.leases.get(statement);
  }

  /** Waits until every lease has given back its tokens, then closes the blocking connections. */
  async close(): Promise<void> {
    await Promise.all([...this.leases.values()].map((l) => l.ended));
    await Promise.all(this.ending.values());
    this.closed = true;
    for (const c of this.idleBlocking.splice(0)) c.disconnect();
  }
}
