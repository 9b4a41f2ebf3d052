/**
 * Group commit for one kind of row change on PostgreSQL: changes that arrive while the previous
 * statement is in flight (or in the same turn of the event loop) go out together as ONE statement,
 * so one commit and one WAL flush for the lot instead of one each (synchronous_commit stays on).
 * Each caller's promise resolves only once the statement holding its change has committed: crash
 * safety is that of one commit per change. The PostgreSQL counterpart of sqlite/group-commit.ts.
 * A key changes at most once per statement: a second change to it waits for the next one.
 */
export class RowGroupCommit<Item, Result> {
  private queue: { item: Item; resolve(result: Result): void; reject(error: unknown): void }[] = [];
  private flushing = false;

  /**
   * `write` changes every item in one statement and returns each one's result, in order.
   * `keyOf` names the row an item changes.
   */
  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly keyOf: (item: Item) => string,
  ) {}

  run(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // setImmediate: everything that arrived in the same I/O phase shares the statement.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const keys = new Set<string>();
      let end = 0;
      while (end < this.queue.length && !keys.has(this.keyOf(this.queue[end]!.item)))
        keys.add(this.keyOf(this.queue[end++]!.item));
      const batch = this.queue.splice(0, end);
      try {
        const results = await this.write(batch.map((entry) => entry.item));
        for (const [i, entry] of batch.entries()) entry.resolve(results[i]!);
      } catch (error) {
        // The statement failed as a whole: none of the batch was committed.
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = false;
  }
}
