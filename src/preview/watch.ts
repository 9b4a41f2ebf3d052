import { watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { CONFIG_NAMES } from '../content/config.js';

export interface WatchTargets {
  root: string;
  issueDir: string;
  /** A site's own templates folder; absent for the built-in ones, which do not change under a writer. */
  templatesDir?: string;
}

/**
 * Calls `changed` once per burst of changes (an editor's save is often three events: write,
 * rename, attributes), a few milliseconds after the last, saying whether a template was among them.
 */
export function watchIssue(targets: WatchTargets, changed: (templates: boolean) => void, quietMs = 15): () => void {
  let timer: NodeJS.Timeout | undefined;
  let templates = false;
  const touch = (isTemplate: boolean) => {
    templates ||= isTemplate;
    clearTimeout(timer);
    timer = setTimeout(() => {
      const wasTemplate = templates;
      templates = false;
      changed(wasTemplate);
    }, quietMs);
  };
  const watchers: FSWatcher[] = [];
  const add = (path: string, recursive: boolean, accept: (name: string) => boolean, isTemplate: boolean) => {
    try {
      watchers.push(watch(path, { recursive }, (_event, name) => (name === null || accept(String(name)) ? touch(isTemplate) : undefined)));
    } catch {
      // A folder that does not exist yet (no templates of its own): nothing there to change.
    }
  };
  // Editors write swap and backup files beside the real one; those are not edits to the bulletin.
  const isContent = (name: string) => !/(^|\/)\.|~$|\.sw.$|\.tmp$/.test(name);
  add(targets.issueDir, false, isContent, false);
  add(targets.root, false, (name) => CONFIG_NAMES.includes(basename(name)), false);
  if (targets.templatesDir) add(join(targets.templatesDir), true, isContent, true);
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
