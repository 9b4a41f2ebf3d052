/**
 * An email's MJML source cut where mjml-parser-xml puts the bounds of mj-body's top-level blocks,
 * without parsing it: the start up to the end of `<mj-body ...>`, then each block's text. With the
 * pieces, source-memo.ts finds an email's blocks in memory from its text alone, so an email made of
 * blocks seen before is not parsed at all (the parse and the keying were ~0.6 s of a cold
 * `build --all`'s CPU).
 *
 * Written by hand: no library cuts MJML text where mjml-parser-xml (htmlparser2 in HTML mode, with
 * its own handling of the tags whose content is kept as it is) would. So this accepts only a plain,
 * strict form of MJML and gives up (undefined) on anything else, where the email is parsed as
 * before. What the cut must get right is where the parser is back in mj-body between two blocks;
 * inside a block, the same text always parses the same. The strict form:
 * - nothing but blanks before `<mjml>`, between the root's children and after `</mjml>`; the root
 *   holds at most one mj-head, then mj-body; mj- elements other than those below hold only mj-
 *   elements and comments, with blanks between (mjml-parser-xml joins any text in them, across
 *   children and comments, into their content); mj-body holds no comment either;
 * - tag names in lower case; attribute values quoted; no CDATA, declaration or processing
 *   instruction; no `<` that does not start a tag, a closing tag or a comment;
 * - inside an element MJML keeps as it is (mj-text, mj-raw...): any HTML but no mj- element, no
 *   element whose content htmlparser2 reads as raw text (script, style, title, textarea), nor one
 *   that switches it to foreign content (svg, math); elsewhere, only mj- elements, each closed
 *   by its own closing tag or `/>`;
 * - no mj-include (an included file is read at parse time, so its text is not in the source).
 * `__tests__/mjml-split.test.ts` checks each cut against mjml-parser-xml's own parse.
 */

export interface MjmlPieces {
  /** From the start of the source to the end of mj-body's opening tag. */
  prefix: string;
  /** Each top-level block of mj-body, from its `<` to the `>` that closes it. */
  blocks: MjmlBlockText[];
}

export interface MjmlBlockText {
  text: string;
  /** What each element MJML keeps as it is holds, in the order of the text, as offsets in `text`. */
  kept: KeptContent[];
}

export interface KeptContent {
  tagName: string;
  /** From just after the opening tag's `>` to the closing tag's `<`. */
  start: number;
  end: number;
}

/**
 * Tags htmlparser2 reads as raw text (script, style, title, textarea in version 9), or that make it
 * parse foreign content (svg, math); and those HTML reads as raw text, should a later version follow.
 */
const NOT_PLAIN = new Set([
  ...['script', 'style', 'title', 'textarea', 'svg', 'math'],
  ...['xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext'],
]);
const TAG_NAME = /[a-z][a-z0-9-]*/y;
const ATTRIBUTE_NAME = /[A-Za-z_:@][A-Za-z0-9_:.@-]*/y;
const BLANKS = /[ \t\n\r\f]*/y;
const CLOSE_TAG = /<\/([a-z][a-z0-9-]*)>/y;
/** A comment htmlparser2 ends at once: `<!-->`, `<!--->`... */
const SHORT_COMMENT = /<!---*>/y;
/** Deeper than any template nests: hostile input is not followed down to a stack overflow. */
const MAX_DEPTH = 64;

class GiveUp extends Error {}

function giveUp(): never {
  throw new GiveUp();
}

interface OpenTag {
  name: string;
  selfClosing: boolean;
}

class Scanner {
  pos = 0;
  /** The contents kept as they are since the last block started (`takeKept`). */
  private kept: KeptContent[] = [];
  constructor(
    readonly text: string,
    private readonly endingTags: ReadonlySet<string>,
  ) {}

  blanks(): void {
    BLANKS.lastIndex = this.pos;
    BLANKS.test(this.text);
    this.pos = BLANKS.lastIndex;
  }

  at(literal: string): boolean {
    return this.text.startsWith(literal, this.pos);
  }

  /** The tag opening at `pos`, with its attributes read past; `pos` is then after its `>`. */
  openTag(): OpenTag {
    if (this.text[this.pos] !== '<') giveUp();
    TAG_NAME.lastIndex = this.pos + 1;
    const name = TAG_NAME.exec(this.text)?.[0] ?? giveUp();
    this.pos = TAG_NAME.lastIndex;
    if (NOT_PLAIN.has(name) || name === 'mj-include') giveUp();
    for (;;) {
      const before = this.pos;
      this.blanks();
      if (this.at('>')) {
        this.pos++;
        return { name, selfClosing: false };
      }
      if (this.at('/>')) {
        this.pos += 2;
        return { name, selfClosing: true };
      }
      // An attribute must follow the name or a value after a blank.
      if (this.pos === before) giveUp();
      this.attribute();
    }
  }

  private attribute(): void {
    ATTRIBUTE_NAME.lastIndex = this.pos;
    if (!ATTRIBUTE_NAME.test(this.text)) giveUp();
    this.pos = ATTRIBUTE_NAME.lastIndex;
    const afterName = this.pos;
    this.blanks();
    if (!this.at('=')) {
      this.pos = afterName;
      return;
    }
    this.pos++;
    this.blanks();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") giveUp();
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) giveUp();
    this.pos = end + 1;
  }

  /** At `<!--`: past the comment, ended as htmlparser2 ends it. */
  comment(): void {
    SHORT_COMMENT.lastIndex = this.pos;
    if (SHORT_COMMENT.test(this.text)) {
      this.pos = SHORT_COMMENT.lastIndex;
      return;
    }
    const end = this.text.indexOf('-->', this.pos + 4);
    if (end < 0) giveUp();
    this.pos = end + 3;
  }

  /** At `</`: the name of the closing tag, `pos` then after it. */
  closeTag(): string {
    CLOSE_TAG.lastIndex = this.pos;
    const name = CLOSE_TAG.exec(this.text)?.[1] ?? giveUp();
    this.pos = CLOSE_TAG.lastIndex;
    return name;
  }

  /** Past the content and closing tag of the mj- element `name`, whose opening tag was just read. */
  element(name: string, depth: number): void {
    if (depth > MAX_DEPTH) giveUp();
    if (this.endingTags.has(name)) {
      this.keptContent(name);
      return;
    }
    for (;;) {
      // Text here would be joined into the element's content, across its children and comments.
      this.blanks();
      if (this.at('<!--')) this.comment();
      else if (this.at('</')) {
        if (this.closeTag() !== name) giveUp();
        return;
      } else this.child(depth);
    }
  }

  /** An mj- element inside another, or at the top of mj-body. */
  child(depth: number): void {
    const tag = this.openTag();
    if (!tag.name.startsWith('mj-')) giveUp();
    if (!tag.selfClosing) this.element(tag.name, depth + 1);
  }

  /**
   * Past what an element MJML keeps as it is holds, and its closing tag. htmlparser2 still reads the
   * tags in it: a comment, an attribute value or a raw-text element could hide the closing tag, and an
   * mj- tag in it would move mjml-parser-xml's count of such elements.
   */
  private keptContent(name: string): void {
    const start = this.pos;
    for (;;) {
      const next = this.text.indexOf('<', this.pos);
      if (next < 0) giveUp();
      this.pos = next;
      if (this.at('<!--')) this.comment();
      else if (this.at('</')) {
        const end = this.pos;
        const closing = this.closeTag();
        if (closing === name) {
          this.kept.push({ tagName: name, start, end });
          return;
        }
        if (closing.startsWith('mj-') || closing === 'mjml') giveUp();
      } else {
        const tag = this.openTag();
        if (tag.name.startsWith('mj-') || tag.name === 'mjml') giveUp();
      }
    }
  }

  /** The kept contents seen since the last call, with offsets from `from`. */
  takeKept(from: number): KeptContent[] {
    const kept = this.kept.map(({ tagName, start, end }) => ({
      tagName,
      start: start - from,
      end: end - from,
    }));
    this.kept = [];
    return kept;
  }
}

/**
 * The source cut into the start and mj-body's blocks, or undefined when it is not in the strict form
 * above. `endingTags` are the tags whose content mjml-parser-xml keeps as it is (each component's
 * `endingTag`).
 */
export function splitMjml(source: string, endingTags: ReadonlySet<string>): MjmlPieces | undefined {
  try {
    return split(new Scanner(source, endingTags));
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

function split(scanner: Scanner): MjmlPieces {
  scanner.blanks();
  const root = scanner.openTag();
  if (root.name !== 'mjml' || root.selfClosing) giveUp();
  scanner.blanks();
  let body = scanner.openTag();
  if (body.name === 'mj-head' && !body.selfClosing) {
    scanner.element('mj-head', 1);
    scanner.blanks();
    body = scanner.openTag();
  }
  if (body.name !== 'mj-body' || body.selfClosing) giveUp();
  const prefix = scanner.text.slice(0, scanner.pos);
  scanner.takeKept(0);
  const blocks: MjmlBlockText[] = [];
  for (;;) {
    scanner.blanks();
    if (scanner.at('</')) break;
    const start = scanner.pos;
    scanner.child(2);
    blocks.push({ text: scanner.text.slice(start, scanner.pos), kept: scanner.takeKept(start) });
  }
  if (scanner.closeTag() !== 'mj-body') giveUp();
  scanner.blanks();
  if (scanner.closeTag() !== 'mjml') giveUp();
  scanner.blanks();
  if (scanner.pos !== scanner.text.length) giveUp();
  return { prefix, blocks };
}
