import type pg from 'pg';
import type { Click, ClickLink, ClickStore, FoundLink, LinkClicks } from '../../analytics/click-store.js';
import { inTransaction } from './pool.js';
import { CLICK_SQL as SQL } from './queries.js';

/** Click counts on PostgreSQL, as on SQLite (sqlite/clicks.ts). */
export class PostgresClickStore implements ClickStore {
  constructor(private readonly pool: pg.Pool) {}

  async saveLinks(issue: string, links: readonly ClickLink[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(SQL.lockIssue, [issue]);
      for (const link of links) await client.query(SQL.saveLink, [issue, link.id, link.target, link.item]);
    });
  }

  async link(issue: string, id: string): Promise<FoundLink | undefined> {
    return (await this.pool.query(SQL.link, [issue, id])).rows[0] as FoundLink | undefined;
  }

  async record(click: Click): Promise<number> {
    const { rows } = await this.pool.query(SQL.record, [click.issue, click.link, click.hour, click.kind]);
    return Number((rows[0] as { id: string }).id);
  }

  async relabelScanner(ids: readonly number[]): Promise<void> {
    if (ids.length) await this.pool.query(SQL.relabelScanner, [ids]);
  }

  async counts(issue: string): Promise<LinkClicks[]> {
    return (await this.pool.query(SQL.counts, [issue])).rows as LinkClicks[];
  }
}
