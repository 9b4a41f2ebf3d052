import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../src/content/model.js';
import { releaseStatusFor } from '../src/preview/actions.js';
import { openExistingStores } from '../src/store/stores.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

/**
 * The preview asks the database for the release status every few seconds: on PostgreSQL a new
 * opening is a new pool and new connections, so the session keeps one open instead.
 */
const DATE = '2018-05-25';

test('the release status opens the database once it exists, once for the whole preview, and closes it at the end', async () => {
  const site = tempSite();
  cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
  const database = join(site.root, '.bulletin', 'bulletin.db');
  let opened = 0;
  let closed = 0;
  // The real stores, counted on their way in and out.
  const openExisting = async (config: Config) => {
    const stores = await openExistingStores(site.root, config);
    if (!stores) return undefined;
    opened++;
    const close = stores.close.bind(stores);
    return Object.assign(stores, {
      async close() {
        closed++;
        await close();
      },
    });
  };
  const release = releaseStatusFor(site.root, DATE, openExisting);
  try {
    // No database yet: looking creates none, and opens nothing.
    expect((await release.afterBuild())!.approval.ok).toBe(false);
    expect((await release.refresh())!.schedules).toEqual([]);
    expect(existsSync(database)).toBe(false);
    expect(opened).toBe(0);

    expect(bulletin(['approve', DATE, '--by', 'Ann Approver'], site.root).status).toBe(0);
    const polls = await Promise.all([release.refresh(), release.refresh(), release.afterBuild()]);
    for (let i = 0; i < 5; i++) polls.push(await release.refresh());
    expect(polls.map((status) => status!.approval.ok)).toEqual(polls.map(() => true));
    expect(
      bulletin(['schedule', DATE, '--list', 'weekly', '--at', '2030-01-04 09:00'], site.root).status,
    ).toBe(0);
    expect((await release.refresh())!.schedules).toEqual([
      { list: 'weekly', at: '2030-01-04T09:00:00.000Z', state: 'scheduled', detail: null },
    ]);
    expect([opened, closed]).toEqual([1, 0]);
  } finally {
    await release.close();
    site.remove();
  }
  expect([opened, closed]).toEqual([1, 1]);
}, 60_000);
