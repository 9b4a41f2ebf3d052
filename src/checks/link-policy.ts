import { join } from 'node:path';

/** BULLETIN_OFFLINE=1 turns the network link check off for every command (CI, a train, the test suite). */
export function linksOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BULLETIN_OFFLINE === '1' || env.BULLETIN_OFFLINE === 'true';
}

/** Where a site keeps what its links answered, so a re-check within the day asks no one again. */
export function linkCacheFile(root: string): string {
  return join(root, '.bulletin', 'cache', 'links.json');
}
