import type Database from 'better-sqlite3';

/**
 * What the stores need of a group commit: `run` a change, resolved once it is durable; `flush`
 * what is queued now. group-commit.ts `GroupCommit`, or off-loop-commit.ts for `bulletin serve`.
 */
export interface Committer {
  run<T>(change: () => T): Promise<T>;
  flush(): void;
}

/** One connection and its group commit, for stores that share both (`bulletin serve`'s: service-stores.ts). */
export interface SharedConnection {
  db: Database.Database;
  committer: Committer;
}
