/**
 * A small LRU bounded by entry count and bytes (or any other size its caller
 * counts: the document parser counts characters). Map iteration order is
 * insertion order, so re-inserting on read keeps the oldest entry first.
 */
export interface LruEntry<V> {
  readonly value: V;
  readonly bytes: number;
  /** Epoch ms after which the entry is stale; Infinity = never. */
  readonly expiresAt: number;
}

export class LruCache<V> {
  private readonly map = new Map<string, LruEntry<V>>();
  private bytesHeld = 0;
  evictions = 0;
  /** Values refused for being over the byte bound on their own (an entry of the key before them dropped too). */
  refused = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /** Whether `key` is held (expired or not), without making it the newest. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    if (entry.expiresAt <= now) {
      this.bytesHeld -= entry.bytes;
      return undefined;
    }
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, bytes: number, expiresAt = Number.POSITIVE_INFINITY): void {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.bytesHeld -= old.bytes;
    }
    if (bytes > this.maxBytes) {
      this.refused++;
      return;
    }
    this.map.set(key, { value, bytes, expiresAt });
    this.bytesHeld += bytes;
    while (this.map.size > this.maxEntries || this.bytesHeld > this.maxBytes) {
      const oldest = this.map.keys().next().value as string;
      this.bytesHeld -= this.map.get(oldest)!.bytes;
      this.map.delete(oldest);
      this.evictions++;
    }
  }

  clear(): void {
    this.map.clear();
    this.bytesHeld = 0;
  }
}
