/**
 * The checks read each Markdown tree in one walk (issue 15: ~10 separate walks per file were a tenth
 * of a cold `check --all`), and what they report is what the separate walks reported, in the same
 * order. Counted by the reads of the tree's first block: each walk reads it once.
 */
import { join } from 'node:path';
import type { Root } from 'mdast';
import type { Node, Parent } from 'unist';
import { visit } from 'unist-util-visit';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { collectLinkTargets } from '../src/checks/link-targets.js';
import { checkSources } from '../src/checks/source-checks.js';
import { splitFrontMatter, type FrontMatterFile } from '../src/content/front-matter.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';
import { sourceText } from '../src/diagnostics/source-text.js';
import { parseBodyOf } from '../src/render/markdown.js';
import { visitType, walkTree } from '../src/support/walk-tree.js';
import { repoRoot } from './helpers/cli.js';

/** Every check that walks the tree has something to say about this body. */
const EVERYTHING_WRONG = [
  '# Too high',
  '',
  '##### Skipped a level',
  '',
  '[click here](https://a.example/one) and [Sue](sue@example.org) and [bad](mailto:no-at-sign).',
  '',
  '[Meeting](mailto:jo smith@example.org) ![](https://a.example/i.png) ![x](missing.png)',
  '',
  '<a href="mailto:also wrong">write</a> <img src="https://a.example/h.png"> <script>x()</script>',
  '',
  '[run](javascript:alert(1)) and [ref][r] and ![pic][p]',
  '',
  '[r]: https://a.example/ref',
  '[p]: https://a.example/pic.png',
  '[unused]: https://a.example/unused',
  '',
].join('\n');

const item = (body: string): FrontMatterFile =>
  splitFrontMatter(sourceText(join(repoRoot, 'item.md'), `---\nkind: news\ntitle: T\n---\n${body}`)).file;

/** The file's tree (parsed once and shared, as the checks get it), counting how many walks read it. */
function countWalks(file: FrontMatterFile): { walks: () => number } {
  const tree: Root = parseBodyOf(file, file.body);
  let reads = 0;
  tree.children = new Proxy(tree.children, {
    get(target, key, receiver) {
      if (key === '0') reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { walks: () => reads };
}

const brief = (d: Diagnostic) => `${d.code} ${d.line}:${d.column}`;

describe('one walk of each tree for all the checks', () => {
  test('the source and writing checks walk a file once', () => {
    const file = item(EVERYTHING_WRONG);
    const counted = countWalks(file);
    const problems = checkSources([file]);
    expect(problems.length).toBeGreaterThan(10);
    expect(counted.walks()).toBe(1);
  });

  test('the link targets are found in one walk', () => {
    const file = item(EVERYTHING_WRONG);
    const counted = countWalks(file);
    expect(collectLinkTargets([file]).length).toBe(5);
    expect(counted.walks()).toBe(1);
  });

  test('the problems and their order are those of one walk per check', () => {
    // Recorded from the checks as they were, each walking the tree itself (commit b03b896).
    expect(checkSources([item(EVERYTHING_WRONG)]).map(brief)).toEqual([
      'unsafe-html 13:75',
      'unsafe-url 15:1',
      'image-alt-missing 11:40',
      'image-alt-missing 13:39',
      'image-missing 11:69',
      'link-text-vague 9:1',
      'heading-order 5:1',
      'heading-order 7:1',
      'mailto-invalid 9:68',
      'mailto-invalid 13:4',
      'mailto-missing 9:41',
      'link-syntax 11:9',
    ]);
  });

  test('the link targets and their order are unchanged', () => {
    const targets = collectLinkTargets([item(EVERYTHING_WRONG)]);
    expect(targets.map((t) => `${t.kind} ${t.line}:${t.column} ${t.url}`)).toEqual([
      'link 9:1 https://a.example/one',
      'image 11:40 https://a.example/i.png',
      'image 13:49 https://a.example/h.png',
      'link 17:1 https://a.example/ref',
      'image 18:1 https://a.example/pic.png',
    ]);
  });
});

describe('walkTree and visitType', () => {
  const seen = (list: string[]) => (node: Node, index: number | undefined, parent: Parent | undefined) => {
    list.push(`${node.type}@${index}<${parent?.type}:${parent?.children.length}`);
  };

  test('visit the nodes unist-util-visit visits, in its order, with the same index and parent', () => {
    const mdast = parseBodyOf(
      {},
      `${EVERYTHING_WRONG}\n| a | b |\n|---|---|\n| [x](y) | *z* |\n\n- [ ] task\n`,
    );
    const hast = unified().use(remarkRehype, { allowDangerousHtml: true }).runSync(mdast) as Node;
    for (const tree of [mdast, hast]) {
      const theirs: string[] = [];
      const ours: string[] = [];
      visit(tree, seen(theirs));
      walkTree(tree, seen(ours));
      expect(ours).toEqual(theirs);
      expect(ours.length).toBeGreaterThan(50);
      for (const type of ['link', 'text', 'element', ['image', 'html']] as const) {
        const theirsOfType: string[] = [];
        const oursOfType: string[] = [];
        visit(tree, type as string, seen(theirsOfType));
        visitType(tree, type, seen(oursOfType));
        expect(oursOfType).toEqual(theirsOfType);
      }
    }
  });

  test('a visitor may replace its node in its parent, as the email does with task-list boxes', () => {
    const replaceParagraphs = (walker: typeof visitType) => {
      const tree = parseBodyOf({}, '- [ ] one\n- [x] two *three*\n\npara *four*\n');
      const order: string[] = [];
      walker(tree, ['paragraph', 'emphasis', 'text'], (node: Node, index, parent) => {
        order.push(node.type);
        if (node.type === 'paragraph' && parent && index !== undefined)
          parent.children[index] = { type: 'thematicBreak' } as Node;
      });
      return { tree: JSON.stringify(tree), order };
    };
    const ours = replaceParagraphs(visitType);
    expect(ours).toEqual(replaceParagraphs(visit as typeof visitType));
    expect(ours.tree).not.toContain('"paragraph"');
    expect(ours.order).toContain('emphasis');
  });
});
