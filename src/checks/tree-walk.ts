import type { Nodes, Parents, Root } from 'mdast';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { walkTree } from '../support/walk-tree.js';

/** Called for a node with its place in its parent (undefined for the root), like unist-util-visit's visitor. */
export type NodeVisitor<N extends Nodes = Nodes> = (
  node: N,
  index: number | undefined,
  parent?: Parents,
) => void;

/** What a check wants to see, by node type. */
export type TypeVisitors = { [T in Nodes['type']]?: NodeVisitor<Extract<Nodes, { type: T }>> };

/**
 * Walks a Markdown tree once, top to bottom (the order unist-util-visit uses), calling every check's
 * visitors for each node. The checks used to walk each file ten times over, one `visit` each. Visitors
 * only read: none may change the tree.
 */
export function walkChecks(tree: Root, checks: readonly TypeVisitors[]): void {
  const byType = new Map<string, NodeVisitor[]>();
  for (const visitors of checks) {
    for (const [type, visitor] of Object.entries(visitors)) {
      const list = byType.get(type) ?? [];
      list.push(visitor as NodeVisitor);
      byType.set(type, list);
    }
  }
  walkTree(tree, (node, index, parent) => {
    const visitors = byType.get(node.type);
    if (visitors)
      for (const visitor of visitors) visitor(node as Nodes, index, parent as Parents | undefined);
  });
}

/** One check over a tree: its visitors, and the problems they find as the tree is walked. */
export interface TreeCheck<P = Diagnostic> {
  visitors: TypeVisitors;
  problems: P[];
}

/** Walks the tree once for all the checks, then returns their problems in the order the checks are listed. */
export function runTreeChecks<P>(tree: Root, checks: readonly TreeCheck<P>[]): P[] {
  walkChecks(
    tree,
    checks.map((check) => check.visitors),
  );
  return checks.flatMap((check) => check.problems);
}
