import { simpleParser, type SimpleParserOptions } from 'mailparser';

/** A message as the classifier reads it: its own headers, its text, and the report parts. */
export interface ReadMessage {
  /** Raw header lines (`To: ...`), unfolded, in order. */
  headerLines: string[];
  /** Lower-case header name -> its first value, unfolded. */
  header: (name: string) => string | undefined;
  subject: string;
  /** Plain text (HTML turned to text where there is no plain part), capped. */
  text: string;
  /** The parts a report is made of, by content type, bodies as text, capped. */
  parts: { contentType: string; body: string }[];
}

/** The explanations, field groups and quoted headers of a report fit well within this. */
const MAX_TEXT = 256 * 1024;

const OPTIONS: SimpleParserOptions = {
  // The machine-readable parts stay parts, not prose merged into the text.
  keepDeliveryStatus: true,
  // A quoted original is read for its headers only: parsing it would let a hostile message nest
  // without end, and its body says nothing about the bounce.
  ignoreEmbedded: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  skipTextLinks: true,
  checksumAlgo: false,
  maxHtmlLengthToParse: 1024 * 1024,
};

const REPORT_PARTS = new RegExp(
  `^(?:${[
    'message/(?:global-)?delivery-status',
    'message/feedback-report',
    'text/rfc822-headers|message/global-headers',
    'message/(?:global-)?rfc822',
  ].join('|')})$`,
);

export async function readMessage(raw: Buffer | string): Promise<ReadMessage> {
  const mail = await simpleParser(raw, OPTIONS);
  const headerLines = mail.headerLines.map((h) => unfold(h.line));
  const parts = mail.attachments
    .filter((a) => REPORT_PARTS.test(a.contentType.toLowerCase()))
    .map((a) => ({
      contentType: a.contentType.toLowerCase(),
      body: a.content.subarray(0, MAX_TEXT).toString('utf8'),
    }));
  const text = (mail.text ?? '').slice(0, MAX_TEXT);
  return { headerLines, header: headerLookup(headerLines), subject: mail.subject ?? '', text, parts };
}

/** The header block of a quoted original (`text/rfc822-headers`, `message/rfc822`), read by mailparser too. */
export async function readQuotedHeaders(body: string): Promise<ReadMessage> {
  const end = body.search(/\r?\n\r?\n/);
  const head = end === -1 ? body : body.slice(0, end);
  return readMessage(`${head}\r\n\r\n`);
}

function unfold(line: string): string {
  return line.replace(/\r?\n[ \t]+/g, ' ');
}

function headerLookup(lines: readonly string[]): (name: string) => string | undefined {
  return (name) => {
    const prefix = `${name.toLowerCase()}:`;
    const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
    return line?.slice(prefix.length).trim();
  };
}
