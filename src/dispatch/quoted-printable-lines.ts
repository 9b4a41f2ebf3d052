import { encode, wrap } from 'nodemailer/lib/qp/index.js';

/**
 * Messages from which the shared lines are learnt. Only these few are remembered: a line is a slice of
 * its message, so remembering one line of every message would keep every message's 70 KB alive.
 */
const LEARN_FROM_MESSAGES = 3;

/**
 * The quoted-printable bodies of one email's messages. Left to nodemailer, every subscriber's 70 KB
 * of HTML and text is encoded and wrapped anew, a third of the sending thread's CPU; yet all but a
 * handful of its lines (the greeting, the signed links) are the same in every message. So each line
 * is encoded on its own, with nodemailer's own `encode` and `wrap`, and the lines that two of the
 * first messages share are kept encoded for the rest of the send.
 *
 * Line by line is quoted-printable as RFC 2045 defines it: a line break of the text is a hard line
 * break of the encoding, whitespace that ends a line is encoded (it is the end of `encode`'s input),
 * and `wrap` keeps every encoded line within 76 characters with soft breaks. The soft breaks may
 * fall elsewhere than in nodemailer's encoding of the whole text, but the decoded text is the same:
 * a test compares both through mailparser. A lone CR is encoded (=0D), so the body holds no line
 * break but CRLF and DKIM signs what the SMTP server receives (nodemailer left it bare).
 */
export class QuotedPrintableLines {
  private readonly encoded = new Map<string, string>();
  private seen: Set<string> | undefined = new Set<string>();
  private messages = 0;

  /** The text encoded, with CRLF line breaks (a CR before an LF belongs to the line break). */
  body(text: string): string {
    const lines = text.split(/\r?\n/);
    let body = '';
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) body += '\r\n';
      body += this.line(lines[i]!);
    }
    if (++this.messages === LEARN_FROM_MESSAGES) this.seen = undefined;
    return body;
  }

  private line(line: string): string {
    const known = this.encoded.get(line);
    if (known !== undefined) return known;
    // A CR that is not part of a line break is data: encoded, not left for the SMTP layer to turn into
    // a line break after DKIM signed the body as it was (the signature would then fail).
    const encoded = wrap(encode(line).replaceAll('\r', '=0D'), 76);
    if (this.seen?.has(line)) this.encoded.set(line, encoded);
    else this.seen?.add(line);
    return encoded;
  }
}

/** A MIME part of the given text type whose body is already quoted-printable, as nodemailer's `raw` takes it. */
export function quotedPrintablePart(contentType: string, body: string): string {
  return `Content-Type: ${contentType}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}
