import type Database from 'better-sqlite3';
import type { Click, ClickLink, ClickStore, FoundLink, LinkClicks } from '../../analytics/click-store.js';
import { openDatabase, statementCache } from './open.js';
import { CLICKS as Q } from './queries.js';

/** Click counts in the site's SQLite file (tables `click_links` and `clicks`). */
export class SqliteClickStore implements ClickStore {
  private readonly db: Database.Database;
  private readonly sql: (text: string) => Database.Statement;

  constructor(path: string) {
    this.db = openDatabase(path);
    this.sql = statementCache(this.db);
  }

  async saveLinks(issue: string, links: readonly ClickLink[]): Promise<void> {
    // One IMMEDIATE transaction: two senders starting at once number the issue's links alike.
    this.db
      .transaction(() => {
        for (const link of links) this.sql(Q.saveLink).run(issue, link.id, link.target, link.item, issue);
      })
      .immediate();
  }

  async link(issue: string, id: string): Promise<FoundLink | undefined> {
    return this.sql(Q.link).get(issue, id) as FoundLink | undefined;
  }

  async record(click: Click): Promise<number> {
    return Number(this.sql(Q.record).run(click.issue, click.link, click.hour, click.kind).lastInsertRowid);
  }

  async relabelScanner(ids: readonly number[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.sql(Q.relabelScanner).run(id);
    })();
  }

  async counts(issue: string): Promise<LinkClicks[]> {
    return this.sql(Q.counts).all(issue) as LinkClicks[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
