/**
 * Source spans. Offsets are UTF-16 indexes into the whole input (what
 * `String.prototype.slice` takes); line and column are 1-based.
 */
export interface Span {
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

/** Line starts of one input, computed once, so every span costs a binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const lineIndex = this.lineIndexOf(offset);
    return { line: lineIndex + 1, column: offset - this.starts[lineIndex]! + 1 };
  }

  span(start: number, end: number): Span {
    // One object per span (the parser makes dozens per statement), not a position and a copy.
    const lineIndex = this.lineIndexOf(start);
    return { start, end, line: lineIndex + 1, column: start - this.starts[lineIndex]! + 1 };
  }

  /** 0-based index of the line holding `offset`. */
  private lineIndexOf(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const s = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    const e = next === undefined ? this.text.length : next - 1;
    return this.text.slice(s, e).replace(/\r$/, '');
  }
}
