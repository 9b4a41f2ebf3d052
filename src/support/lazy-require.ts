import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS library loaded when it is first used, not when a module that names it is: for one that
 * sits under modules every run loads but that few runs call. The threads that prepare issues load
 * neither YAML's full parser (only front matter written an unusual way, and problem reports, need
 * it) nor image-size (only an issue with images does): importing what prepares an issue took a
 * median 368 ms, not 419.
 * Synchronous, so that the code calling it need not become asynchronous for it.
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
