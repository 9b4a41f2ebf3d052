/**
 * The little XML the feeds need, written by hand, escaped rather than wrapped in CDATA. The `feed`
 * package's writer (xml-js) splits only the first "]]>" of a CDATA section, so a second one in a
 * title ends it and the rest is markup (a <link> to another site, a <script>); it also turns a
 * written "&amp;" into "&" before escaping. Escaping &, < and > has no such edge: every string
 * reads back as written.
 */

/** Not a character of XML 1.0 (C0 controls but tab, CR, LF; U+FFFE, U+FFFF), or half of a UTF-16 pair. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** No XML parser accepts the characters XML 1.0 lacks: dropped (a lone surrogate shows as U+FFFD). */
function xmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, (char) => (/[\uD800-\uDFFF]/.test(char) ? '\uFFFD' : ''));
}

export function xmlText(text: string): string {
  return xmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** In an attribute, a raw tab or line break would be read back as a space: they are written as references. */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

export interface XmlElement {
  name: string;
  attributes?: Record<string, string | undefined>;
  /** Text content; an element with neither text nor children is written empty (`<link .../>`). */
  text?: string;
  children?: XmlElement[];
}

type Attributes = XmlElement['attributes'];

export function element(name: string, text?: string, attributes?: Attributes): XmlElement {
  return { name, ...(text === undefined ? {} : { text }), ...(attributes ? { attributes } : {}) };
}

export function parent(name: string, children: XmlElement[], attributes?: Attributes): XmlElement {
  return { name, children, ...(attributes ? { attributes } : {}) };
}

/** A whole document, indented four spaces a level, as the feeds were before. */
export function xmlDocument(root: XmlElement): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${write(root, 0)}`;
}

function write(node: XmlElement, depth: number): string {
  const pad = '    '.repeat(depth);
  const attributes = Object.entries(node.attributes ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${xmlAttribute(value)}"`)
    .join('');
  const open = `${pad}<${node.name}${attributes}`;
  if (node.children?.length) {
    const children = node.children.map((child) => write(child, depth + 1)).join('\n');
    return `${open}>\n${children}\n${pad}</${node.name}>`;
  }
  if (node.text === undefined) return `${open}/>`;
  return `${open}>${xmlText(node.text)}</${node.name}>`;
}
