/** One turn of the main thread's event loop (turn-clock.mjs). */
export interface Turn {
  /** Date.now() at the turn's end. */
  readonly at: number;
  readonly heldMs: number;
  readonly cpuMs: number;
  readonly waitMs: number;
  readonly wallMs: number;
}
export declare const TICK_MS: number;
export declare function watchTurns(onTurn: (turn: Turn) => void): () => void;
export declare function mainThreadCpuMs(): number;
