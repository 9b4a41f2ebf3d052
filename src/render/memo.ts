export type MemoizedAsync<T> = ((key: string) => Promise<T>) & {
  /** Drops one key (or all), so the next call loads afresh: the preview after a template is saved. */
  forget(key?: string): void;
};

/**
 * One load per key per process, shared by concurrent callers; a failed load is forgotten, so the
 * next call tries again (a template fixed while `serve --watch` runs, say).
 */
export function memoizeAsync<T>(load: (key: string) => Promise<T>): MemoizedAsync<T> {
  const loaded = new Map<string, Promise<T>>();
  const memoized = (key: string) => {
    let value = loaded.get(key);
    if (!value) {
      value = load(key);
      loaded.set(key, value);
      value.catch(() => loaded.delete(key));
    }
    return value;
  };
  return Object.assign(memoized, {
    forget: (key?: string) => (key === undefined ? loaded.clear() : void loaded.delete(key)),
  });
}
