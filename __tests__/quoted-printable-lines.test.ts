import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { buildEmailForSend } from '../src/build/email-for-send.js';
import { QuotedPrintableLines, quotedPrintablePart } from '../src/dispatch/quoted-printable-lines.js';
import { hydrateEmail } from '../src/render/email/compile.js';
import { repoRoot } from './helpers/cli.js';

/** A message with these bodies as nodemailer encodes them itself, or as raw parts encoded line by line. */
async function parsed(
  html: string,
  text: string,
  lines?: { html: QuotedPrintableLines; text: QuotedPrintableLines },
) {
  const common = { from: 'news@example.org', to: 'ann@example.org', subject: 'Weekly' };
  const message = lines
    ? {
        ...common,
        html: { raw: quotedPrintablePart('text/html; charset=utf-8', lines.html.body(html)) },
        text: { raw: quotedPrintablePart('text/plain; charset=utf-8', lines.text.body(text)) },
      }
    : { ...common, html, text, textEncoding: 'quoted-printable' as const };
  const bytes = await new MailComposer(message).compile().build();
  return { bytes: bytes.toString('latin1'), mail: await simpleParser(bytes) };
}

function longestLine(bytes: string): number {
  return Math.max(...bytes.split('\r\n').map((line) => line.length));
}

/** CRs and LFs that are not a CRLF: the SMTP layer would make line breaks of them after DKIM signed. */
function bareLineEnds(bytes: string): number {
  return bytes.replaceAll('\r\n', '').replace(/[^\r\n]/g, '').length;
}

const HOSTILE: [string, string][] = [
  ['a line far longer than 76 characters, without a space', 'x'.repeat(1500)],
  [
    'long lines of two-, three- and four-byte characters',
    `${'é'.repeat(300)}\n${'€'.repeat(200)}\n${'😀'.repeat(90)}`,
  ],
  ['whitespace ending lines and the text', 'tail  \nTab\t\n \n\t\nend \t'],
  ['equals signs and what looks encoded', 'a=b =3D =\n=\n==20 x=\r\n=C3=A9'],
  ['lines a transfer could mistake', '.\n..hidden\nFrom me\n.\r\nend'],
  ['CRLF, a lone CR, many blank lines, a final line break', 'one\r\ntwo\rthree\n\n\n\nfour\n'],
  ['CRs before line breaks and at the end', 'a\r\r\nb\r\n\r\r\rc\r'],
  [
    'a mix at every wrapping position',
    Array.from({ length: 80 }, (_, n) => `${'y'.repeat(n)}é ${'z'.repeat(n)}`).join('\n'),
  ],
  ['one character', 'x'],
  ['only a line break', '\n'],
];

describe('bodies encoded line by line', () => {
  test.each(HOSTILE)(
    '%s: decodes as nodemailer’s own encoding does, no line over 76, no bare CR or LF',
    async (_, body) => {
      const lines = { html: new QuotedPrintableLines(), text: new QuotedPrintableLines() };
      const html = `<p>${body}</p>`;
      const theirs = await parsed(html, body);
      // Twice: the second message takes every line from the encoded lines kept from the first.
      for (const round of [1, 2]) {
        const ours = await parsed(html, body, lines);
        expect({ round, html: ours.mail.html, text: ours.mail.text }).toEqual({
          round,
          html: theirs.mail.html,
          text: theirs.mail.text,
        });
        expect(longestLine(ours.bytes)).toBeLessThanOrEqual(76);
        expect(bareLineEnds(ours.bytes)).toBe(0);
      }
    },
  );

  test('the sample email for three readers in turn: each gets its own lines, the shared ones kept', async () => {
    const email = hydrateEmail((await buildEmailForSend(repoRoot, '2018-05-11')).layout!);
    const lines = { html: new QuotedPrintableLines(), text: new QuotedPrintableLines() };
    const readers = ['Ann Ó Súilleabháin', 'Bob', 'Ann Ó Súilleabháin', 'Zoë "=20" .dot'];
    for (const [n, name] of readers.entries()) {
      const filled = email.fill({
        email: `reader${n}@example.org`,
        name,
        unsubscribeUrl: `https://example.org/unsubscribe?token=${n}.${'t'.repeat(90)}`,
        preferencesUrl: `https://example.org/preferences?token=${n}`,
        viewOnlineUrl: email.url,
      });
      const [theirs, ours] = await Promise.all([
        parsed(filled.html, filled.text),
        parsed(filled.html, filled.text, lines),
      ]);
      expect(ours.mail.html).toBe(theirs.mail.html);
      expect(ours.mail.text).toBe(theirs.mail.text);
      expect(ours.mail.text).toContain(`token=${n}.`);
      expect(longestLine(ours.bytes)).toBeLessThanOrEqual(76);
      expect(bareLineEnds(ours.bytes)).toBe(0);
    }
  });
});
