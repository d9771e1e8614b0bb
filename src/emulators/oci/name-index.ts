// The sorted list of object names of one bucket, kept cheap for both bulk writes and paged listing: adds and removes
// are recorded in sets (O(1)) and merged into the sorted array only when a listing asks for it (O(n + k log k) for
// k pending changes). Inserting into a sorted array one name at a time would move half the array per write, which
// is seconds of memmove for 100k names.
import { compareNames } from "./names.ts";

export class NameIndex {
  private names: string[];
  private readonly added = new Set<string>();
  private readonly removed = new Set<string>();

  /** `sortedNames` must already be in compareNames order, without duplicates. */
  constructor(sortedNames: string[] = []) {
    this.names = sortedNames;
  }

  /** Records a name that is not currently in the index. */
  add(name: string): void {
    if (!this.removed.delete(name)) this.added.add(name);
  }

  /** Records the removal of a name that is currently in the index. */
  remove(name: string): void {
    if (!this.added.delete(name)) this.removed.add(name);
  }

  get size(): number {
    return this.names.length + this.added.size - this.removed.size;
  }

  /** All names in UTF-8 byte order. The array is shared: do not modify it. */
  sorted(): readonly string[] {
    if (this.added.size === 0 && this.removed.size === 0) return this.names;
    const base = this.removed.size > 0 ? this.names.filter((n) => !this.removed.has(n)) : this.names;
    const extra = [...this.added].sort(compareNames);
    const merged: string[] = new Array(base.length + extra.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < base.length && j < extra.length) merged[k++] = compareNames(base[i], extra[j]) <= 0 ? base[i++] : extra[j++];
    while (i < base.length) merged[k++] = base[i++];
    while (j < extra.length) merged[k++] = extra[j++];
    this.names = merged;
    this.added.clear();
    this.removed.clear();
    return this.names;
  }
}
