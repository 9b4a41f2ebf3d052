import type { Document, Node } from 'yaml';
import type { Place } from '../diagnostics/diagnostic.js';
import { FILE_START } from '../diagnostics/problem.js';
import { placeAt } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from './front-matter.js';
import { yamlLibrary } from './yaml-library.js';

export type YamlPath = readonly PropertyKey[];

/**
 * Where in the file a value (or, with `at: 'key'`, its key) was written. A path that does not
 * exist (a missing key) resolves to the deepest node that does, so the report points at the
 * mapping the key belongs in.
 */
export function placeOfPath(file: FrontMatterFile, path: YamlPath, at: 'key' | 'value' = 'value'): Place {
  const offset =
    file.plainOffsetOf?.(path, at) ?? (file.yaml ? offsetOfPath(file.yaml, path, at) : undefined);
  if (offset === undefined) return FILE_START;
  return placeAt(file.source, file.yamlOffset + offset);
}

function offsetOfPath(doc: Document, path: YamlPath, at: 'key' | 'value'): number | undefined {
  let node: unknown = doc.contents;
  let lastOffset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (yamlLibrary().isMap(node)) {
      const pair = node.items.find((p) => (yamlLibrary().isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) return lastOffset;
      if (last && at === 'key') return rangeStart(pair.key) ?? lastOffset;
      node = pair.value;
      // A key with no value (`title:`) has no value node: point just after the key instead.
      lastOffset = rangeStart(node) ?? rangeEnd(pair.key) ?? lastOffset;
      if (node === null || node === undefined) return lastOffset;
    } else if (yamlLibrary().isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      lastOffset = rangeStart(node) ?? lastOffset;
      if (node === undefined) return lastOffset;
    } else {
      return lastOffset;
    }
  }
  return lastOffset;
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

function rangeEnd(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[1];
}
