/**
 * The recorder's FIFO between the source's listeners (producers, on the
 * control path) and the writer (consumer). `push` is O(1) and allocation-light;
 * `take` hands the writer a batch. It tracks bytes held and the enqueue time
 * of the oldest item, which is how far the writer is behind.
 */
export class RecordQueue<T> {
  #items: (T | undefined)[] = [];
  #times: number[] = [];
  #sizes: number[] = [];
  #head = 0;
  #bytes = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes held (as estimated by the producer). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Enqueue time of the oldest item, undefined when empty. */
  get oldestTime(): number | undefined {
    return this.length > 0 ? this.#times[this.#head] : undefined;
  }

  push(item: T, bytes: number, time: number): void {
    this.#items.push(item);
    this.#sizes.push(bytes);
    this.#times.push(time);
    this.#bytes += bytes;
  }

  /** Removes and returns up to `max` items and about `maxBytes` (at least one item), oldest first. */
  take(max: number, maxBytes = Infinity): T[] {
    const end = Math.min(this.#items.length, this.#head + max);
    const out: T[] = [];
    let bytes = 0;
    let i = this.#head;
    for (; i < end && (out.length === 0 || bytes + this.#sizes[i]! <= maxBytes); i++) {
      out.push(this.#items[i]!);
      this.#items[i] = undefined;
      bytes += this.#sizes[i]!;
      this.#bytes -= this.#sizes[i]!;
    }
    this.#head = i;
    // Compact once the consumed prefix dominates, so memory follows what is held.
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  clear(): void {
    this.#items = [];
    this.#sizes = [];
    this.#times = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
