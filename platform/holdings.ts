/** How many things each key holds at once (requests in flight per caller), forgetting a key once it holds none. */
export class Holdings {
  private readonly counts = new Map<string, number>();

  of(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  take(key: string): void {
    this.counts.set(key, this.of(key) + 1);
  }

  release(key: string): void {
    const left = this.of(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}
