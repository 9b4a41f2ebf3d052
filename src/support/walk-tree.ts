import type { Node, Parent } from 'unist';

/** Called for a node with its place in its parent (both undefined for the root), as unist-util-visit does. */
export type Visitor<N = Node> = (node: N, index: number | undefined, parent: Parent | undefined) => void;

/**
 * Calls `visitor` for every node of a unist tree (mdast, hast), top to bottom: the order of
 * unist-util-visit. That package makes a closure per node and renames it with
 * `Object.defineProperty` (for its stack traces), which was 15 % of a cold `check --all`. Visitors
 * return nothing (no SKIP or EXIT). One may replace the node it is given in its parent: the walk
 * goes on into the node it was given, and then on to the next index, as unist-util-visit does.
 */
export function walkTree(tree: Node, visitor: Visitor): void {
  walk(tree, undefined, undefined, visitor);
}

function walk(node: Node, index: number | undefined, parent: Parent | undefined, visitor: Visitor): void {
  visitor(node, index, parent);
  const children = (node as Partial<Parent>).children;
  if (!children) return;
  for (let i = 0; i < children.length; i++) walk(children[i]!, i, node as Parent, visitor);
}

/**
 * `walkTree` for the nodes of one type (or of any of several): unist-util-visit's `visit(tree, type, visitor)`.
 * `P` is the tree's kind of parent (hast's `Parents`, say), for a visitor that replaces its node.
 */
export function visitType<N extends Node, P extends Parent = Parent>(
  tree: Node,
  type: N['type'] | readonly N['type'][],
  visitor: (node: N, index: number | undefined, parent: P | undefined) => void,
): void {
  const wanted = typeof type === 'string' ? (t: string) => t === type : (t: string) => type.includes(t);
  walkTree(tree, (node, index, parent) => {
    if (wanted(node.type)) visitor(node as N, index, parent as P | undefined);
  });
}
