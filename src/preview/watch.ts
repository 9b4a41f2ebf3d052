import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import { CONFIG_NAMES } from '../content/config.js';
import { isErrno, MISSING } from '../support/errors.js';

export interface WatchTargets {
  root: string;
  issueDir: string;
  /** A site's own templates folder; absent for the built-in ones, which do not change under a writer. */
  templatesDir?: string;
}

/**
 * Calls `changed` once per burst of changes (an editor's save is often three events: write,
 * rename, attributes), a few milliseconds after the last, saying whether a template was among them.
 * chokidar rather than `fs.watch`: Node 20's recursive watch on Linux loses a file an editor
 * replaces by rename, and a folder deleted and restored (a git checkout) is never watched again.
 * Resolves once the watchers are armed, so a save right after is never missed.
 */
export async function watchIssue(
  targets: WatchTargets,
  changed: (templates: boolean) => void,
  // An editor's events for one save come within a millisecond or two; every millisecond waited here is
  // one more before the writer sees the change (5 rather than 15 took ~10 ms off a save, issue 15). A
  // burst that spreads wider costs one more build, never a lost change (the recheck below).
  quietMs = 5,
): Promise<() => Promise<void>> {
  let timer: NodeJS.Timeout | undefined;
  let recheck: NodeJS.Timeout | undefined;
  let templates = false;
  const templatesDir = targets.templatesDir && realPath(targets.templatesDir);
  const burst = new Set<string>();
  const fire = () => {
    const wasTemplate = templates;
    templates = false;
    const paths = [...burst];
    burst.clear();
    const seen = fingerprint(paths);
    changed(wasTemplate);
    // chokidar drops a second change to one file within 50 ms (a format-on-save rewrite, say):
    // look again once that window has passed, and rebuild if the file moved on since.
    clearTimeout(recheck);
    recheck = setTimeout(() => {
      if (fingerprint(paths) !== seen) {
        for (const path of paths) burst.add(path);
        templates ||= wasTemplate;
        fire();
      }
    }, CHOKIDAR_THROTTLE_MS + 10);
  };
  const touch = (path: string) => {
    templates ||= Boolean(templatesDir && path.startsWith(templatesDir));
    burst.add(path);
    clearTimeout(timer);
    timer = setTimeout(fire, quietMs);
  };
  // Editors write swap and backup files beside the real one; those are not edits to the bulletin.
  const scratch = (path: string) => /^\.|~$|\.sw.$|\.tmp$/.test(basename(path));
  // Real paths: chokidar does not follow links (below), so a site reached through one (`--root ./link`,
  // a bulletins/ folder that links elsewhere) is watched where its files really are.
  const root = realPath(targets.root);
  const issueDir = realPath(targets.issueDir);
  // The issue folder is watched from a folder above it that stays put: chokidar never watches again a
  // folder it was asked to watch once that folder is deleted and restored (a git checkout, a branch
  // switch), but it does follow one that comes back below the path it watches. Only the way down to the
  // issue folder is looked at, so the other issues beside it cost nothing.
  const base = issueDir.startsWith(`${root}${sep}`) ? root : dirname(issueDir);
  const onTheWay = (path: string) => issueDir.startsWith(`${path}${sep}`);
  const inIssue = (path: string) => path === issueDir || path.startsWith(`${issueDir}${sep}`);
  const issuePath = (path: string) =>
    path === base || onTheWay(path) || (inIssue(path) && (path === issueDir || !scratch(path)));
  const inTemplates = (path: string) =>
    templatesDir !== undefined &&
    (path === dirname(templatesDir) ||
      path === templatesDir ||
      (path.startsWith(`${templatesDir}${sep}`) && !scratch(path)));
  const configPath = (path: string) =>
    path === root || (dirname(path) === root && CONFIG_NAMES.includes(basename(path)));
  const watchers = [
    ...(base === root
      ? [watch(root, (path) => !issuePath(path) && !configPath(path))]
      : [watch(root, (path) => !configPath(path)), watch(base, (path) => !issuePath(path))]),
    // The templates folder likewise, from the folder it is in: a checkout can delete and restore it too.
    ...(templatesDir ? [watch(dirname(templatesDir), (path) => !inTemplates(path))] : []),
  ];
  for (const watcher of watchers) {
    watcher.on('all', (_event, path) => touch(path));
    // A watcher that fails (too many watched files) must not end the preview; a rebuild by hand still works.
    watcher.on('error', () => undefined);
  }
  await Promise.all(
    watchers.map((watcher) => new Promise<void>((resolve) => watcher.once('ready', () => resolve()))),
  );
  return async () => {
    clearTimeout(timer);
    clearTimeout(recheck);
    await Promise.all(watchers.map((watcher) => watcher.close()));
  };
}

function watch(path: string, ignored: (path: string) => boolean): FSWatcher {
  // An atomic save is a change, reported at once (chokidar's default waits 100 ms to pair unlink and add).
  // Links are not followed: nothing is published through one, and a link to a folder above is a loop.
  const options = { ignoreInitial: true, ignored, atomic: false, followSymlinks: false };
  return chokidar.watch(path, options);
}

/** The path with links resolved, or as given when it does not exist (yet). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    if (isErrno(error, ...MISSING)) return resolve(path);
    throw error;
  }
}

/** chokidar's per-file window for `change` events (its index.js); later ones inside it are dropped. */
const CHOKIDAR_THROTTLE_MS = 50;

/** Size and modification time of each path: enough to tell a file was written again. */
function fingerprint(paths: readonly string[]): string {
  return paths
    .map((path) => {
      try {
        const stat = statSync(path);
        return `${path}:${stat.size}:${stat.mtimeMs}`;
      } catch (error) {
        if (isErrno(error, ...MISSING)) return `${path}:gone`;
        throw error;
      }
    })
    .join('\n');
}
