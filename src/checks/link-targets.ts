import type { Definition, Html, Image, ImageReference, Link, LinkReference } from 'mdast';
import type { Place } from '../diagnostics/diagnostic.js';
import { type FrameWindow, frameWindowAt, placeAt } from '../diagnostics/source-text.js';
import type { FrontMatterFile } from '../content/front-matter.js';
import type { Issue } from '../content/model.js';
import { placeOfPath } from '../content/yaml-place.js';
import { parseBodyOf } from '../render/markdown.js';
import { bodyOffset } from './body-offset.js';
import { walkChecks } from './tree-walk.js';
import { meetingPath } from '../content/kinds/index.js';
import { parseUrl } from '../support/errors.js';

/**
 * One address a subscriber could follow (a link) or that their mail app would load (an image), and where it
 * was written.
 */
export interface LinkTarget {
  url: string;
  kind: 'link' | 'image';
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** The lines of its code frame, made into one only for a report (most links never have one). */
  frameAt?: FrameWindow;
}

/**
 * Every web address in the files' bodies and, given the loaded issue, in its front matter. Each
 * place is its own target, duplicates included, so each gets its own report; the checker fetches
 * each distinct address once.
 */
export function collectLinkTargets(files: readonly FrontMatterFile[], issue?: Issue): LinkTarget[] {
  return [...files.flatMap(bodyTargets), ...(issue ? frontMatterTargets(issue) : [])];
}

/**
 * Only absolute web addresses: `mailto:`, `#fragments` and relative references have nothing to
 * fetch (local images are checked on disk by source-checks). `//host/x` is fetched as https, the
 * scheme the archive (the email's base address) uses. The address is kept as written, for reports.
 */
export function webAddress(written: string): string | undefined {
  const trimmed = written.trim();
  const url = trimmed.startsWith('//') ? `https:${trimmed}` : trimmed;
  const protocol = parseUrl(url)?.protocol;
  return protocol === 'http:' || protocol === 'https:' ? url : undefined;
}

function target(
  file: FrontMatterFile,
  place: Place,
  written: string,
  kind: LinkTarget['kind'],
): LinkTarget[] {
  const url = webAddress(written);
  if (!url) return [];
  const frameAt = file.source.text.length > 0 ? frameWindowAt(file.source, place) : undefined;
  return [
    {
      url,
      kind,
      file: file.source.path,
      line: place.line,
      column: place.column,
      ...(frameAt ? { frameAt } : {}),
    },
  ];
}

function bodyTargets(file: FrontMatterFile): LinkTarget[] {
  const tree = parseBodyOf(file, file.body);
  const at = (offsetInBody: number) => placeAt(file.source, bodyOffset(file, offsetInBody));
  const start = (node: { position?: { start: { offset?: number } } }) => node.position?.start.offset ?? 0;
  const linked: LinkTarget[] = [];
  const definitions: Definition[] = [];
  const inHtml: LinkTarget[] = [];
  const uses = new Map<string, LinkTarget['kind']>();
  const linkOrImage = (node: Link | Image) => {
    linked.push(...target(file, at(start(node)), node.url, node.type === 'image' ? 'image' : 'link'));
  };
  // How each definition is used: as an image only when no link refers to it (an image must also be an image).
  const reference = ({ identifier, type }: LinkReference | ImageReference) => {
    if (type === 'linkReference') uses.set(identifier, 'link');
    else if (!uses.has(identifier)) uses.set(identifier, 'image');
  };
  walkChecks(tree, [
    {
      link: linkOrImage,
      image: linkOrImage,
      linkReference: reference,
      imageReference: reference,
      definition: (node) => {
        definitions.push(node);
      },
      html: (node: Html) => {
        for (const { offset, url, kind } of htmlAddresses(node.value))
          inHtml.push(...target(file, at(start(node) + offset), url, kind));
      },
    },
  ]);
  // A definition nothing refers to never reaches the email: nobody can follow it. (Known only after the walk.)
  const defined = definitions.flatMap((node) => {
    const use = uses.get(node.identifier);
    return use ? target(file, at(start(node)), node.url, use) : [];
  });
  // Read top to bottom, as the writer will fix them.
  return [...linked, ...defined, ...inHtml].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `<a href>` and `<img src>` survive sanitizing, so their addresses reach subscribers like Markdown's. */
const HTML_ADDRESSES = [
  { kind: 'link', pattern: /<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/dgi },
  { kind: 'image', pattern: /<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/dgi },
] as const;

function htmlAddresses(html: string): { offset: number; url: string; kind: LinkTarget['kind'] }[] {
  return HTML_ADDRESSES.flatMap(({ kind, pattern }) =>
    [...html.matchAll(pattern)].flatMap((match) => {
      const group = [1, 2, 3].find((g) => match[g] !== undefined);
      const span = group === undefined ? undefined : match.indices?.[group];
      // Attribute values are HTML: `&amp;` in a query string is a plain `&` once parsed.
      return span ? [{ offset: span[0], url: match[group!]!.replaceAll('&amp;', '&'), kind }] : [];
    }),
  );
}

/** `links:` of each item and the `link:` of each meeting, which the templates turn into links. */
function frontMatterTargets(issue: Issue): LinkTarget[] {
  return issue.items.flatMap((item) => {
    const file = item.body.file;
    return [
      ...item.links.flatMap((link, i) =>
        target(file, placeOfPath(file, ['links', i, 'url']), link.url, 'link'),
      ),
      ...item.meetings.flatMap((meeting) =>
        meeting.link
          ? target(file, placeOfPath(file, meetingPath(meeting.index, 'link')), meeting.link, 'link')
          : [],
      ),
    ];
  });
}
