// Task ids seen in the journal's bytes, without making a string of each: `veo list --limit` meets 100,000 of them
// and needs a string only for the few it shows. An open-addressing table over typed arrays, keyed by the id's 24
// bytes, copied into one buffer as each new id is met.
const ID_BYTES = 24;

export class TaskIds {
  #ids: Buffer;
  #table: Int32Array;
  #count = 0;

  constructor(expected = 1024) {
    this.#ids = Buffer.alloc(ID_BYTES * expected);
    this.#table = new Int32Array(tableSize(expected));
  }

  get size(): number {
    return this.#count;
  }

  /** The slot of the id at `bytes[at..at+24)`, a new one when first met: 0, 1, 2... in order of first sight. */
  slot(bytes: Buffer, at: number): number {
    const mask = this.#table.length - 1;
    let i = hash(bytes, at) & mask;
    for (;;) {
      const held = (this.#table[i] as number) - 1;
      if (held < 0) break;
      if (this.#equal(held, bytes, at)) return held;
      i = (i + 1) & mask;
    }
    const slot = this.#count++;
    if ((slot + 1) * ID_BYTES > this.#ids.length) {
      const grown = Buffer.alloc(this.#ids.length * 2);
      this.#ids.copy(grown);
      this.#ids = grown;
    }
    const ids = this.#ids;
    for (let k = 0, to = slot * ID_BYTES; k < ID_BYTES; k++) ids[to + k] = bytes[at + k] as number;
    this.#table[i] = slot + 1;
    if (this.#count * 2 > this.#table.length) this.#rehash();
    return slot;
  }

  #equal(slot: number, bytes: Buffer, at: number): boolean {
    const ids = this.#ids;
    for (let k = 0, from = slot * ID_BYTES; k < ID_BYTES; k++) if (ids[from + k] !== bytes[at + k]) return false;
    return true;
  }

  id(slot: number): string {
    return this.#ids.toString('latin1', slot * ID_BYTES, (slot + 1) * ID_BYTES);
  }

  /** Compares two ids as strings would. */
  compare(a: number, b: number): number {
    return this.#ids.compare(this.#ids, b * ID_BYTES, (b + 1) * ID_BYTES, a * ID_BYTES, (a + 1) * ID_BYTES);
  }

  /** The creation time an ObjectId carries in its first 8 hex digits, in ms. */
  idTime(slot: number): number {
    return parseInt(this.#ids.toString('latin1', slot * ID_BYTES, slot * ID_BYTES + 8), 16) * 1000;
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let slot = 0; slot < this.#count; slot++) {
      let i = hash(this.#ids, slot * ID_BYTES) & mask;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = slot + 1;
    }
    this.#table = table;
  }
}

function tableSize(expected: number): number {
  let size = 1024;
  while (size < expected * 2) size *= 2;
  return size;
}

// FNV-1a over the id's bytes.
function hash(bytes: Buffer, at: number): number {
  let h = 0x811c9dc5;
  for (let k = at; k < at + ID_BYTES; k++) h = Math.imul(h ^ (bytes[k] as number), 0x01000193);
  return h >>> 0;
}
