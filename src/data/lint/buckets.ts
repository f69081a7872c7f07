// The LSH bucket table of the near-duplicate search: 32-bit band keys -> the rows that hashed
// there, oldest first. 100k rows x 32 bands are 3.2M entries, which a JS Map holds in ~150 MB;
// open addressing over typed arrays holds them in ~45 MB and does not churn the garbage
// collector. Each bucket is a linked list of entries (row, next) with head and tail pointers, so
// appending keeps each bucket in input order: a walk sees the oldest rows first.

const kEmpty = -1;

export class BucketTable {
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly rows: Int32Array;
  private readonly next: Int32Array;
  private used = 0;

  /** `entries`: the most (row, band) pairs that will be added. */
  constructor(entries: number) {
    let slots = 1024;
    while (slots < entries * 2) slots *= 2; // load factor <= 0.5 keeps linear probing short
    this.mask = slots - 1;
    this.keys = new Uint32Array(slots);
    this.heads = new Int32Array(slots).fill(kEmpty);
    this.tails = new Int32Array(slots).fill(kEmpty);
    this.rows = new Int32Array(Math.max(1, entries));
    this.next = new Int32Array(Math.max(1, entries));
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slot(key: number): number {
    // the keys are already well mixed hashes: their low bits pick the slot
    let s = key & this.mask;
    while (this.heads[s] !== kEmpty && this.keys[s] !== key) s = (s + 1) & this.mask;
    return s;
  }

  add(key: number, row: number): void {
    if (this.used >= this.rows.length) throw new RangeError('BucketTable is full');
    const e = this.used++;
    this.rows[e] = row;
    this.next[e] = kEmpty;
    const s = this.slot(key);
    if (this.heads[s] === kEmpty) {
      this.keys[s] = key;
      this.heads[s] = e;
    } else {
      this.next[this.tails[s]] = e;
    }
    this.tails[s] = e;
  }

  /** Calls `visit` on the rows in `key`'s bucket, oldest first, at most `limit` of them. */
  forEach(key: number, limit: number, visit: (row: number) => void): void {
    let n = 0;
    for (let e = this.heads[this.slot(key)]; e !== kEmpty && n < limit; e = this.next[e], n++) {
      visit(this.rows[e]);
    }
  }
}
