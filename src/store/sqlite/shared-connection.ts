import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit.js';

/** One connection and its group commit, for stores that share both (`bulletin serve`'s: service-stores.ts). */
export interface SharedConnection {
  db: Database.Database;
  committer: GroupCommit;
}
