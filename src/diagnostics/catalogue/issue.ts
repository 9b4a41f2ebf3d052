import { capitalise, entry } from './entry.js';

const NAMED_CHARACTERS: Record<string, string> = {
  '\r': 'a carriage return',
  '\u0000': 'a null character',
  '\u001b': 'an escape character',
};

const CONTROL_HINTS = {
  control:
    'Remove it: in double quotes, delete the escape ("\\r", "\\x07", "\\u0000"); otherwise retype the text. ' +
    'For several lines, use a | block.',
  surrogate:
    'Remove the "\\u" escape, or write the character itself (an emoji can be typed or pasted as it is).',
};

/** Problems with the shape of an issue: its folder, its items, what they refer to, the config. */
export const issueEntries = {
  'control-character': entry<{
    field: string;
    char: string;
    codePoint: string;
    kind: 'control' | 'surrogate';
  }>({
    means:
      'Text holds a character no reader can see, which calendars, feeds or mail headers would read as structure.',
    fix: 'Delete the character (often an escape such as "\\r" in double quotes), or retype the text.',
    message: (p) => {
      const described =
        p.kind === 'surrogate' ? 'half of a character' : (NAMED_CHARACTERS[p.char] ?? 'a control character');
      return `${capitalise(p.field)} contains ${described} (${p.codePoint}), which no reader can see, and calendars and feeds cannot carry as written.`;
    },
    hint: (p) => CONTROL_HINTS[p.kind],
    example: { field: '"title"', char: '\u0007', codePoint: 'U+0007', kind: 'control' },
  }),
  'issue-missing': entry<
    { case: 'folder'; folder: string; date: string } | { case: 'file'; file: string; date: string }
  >({
    means: 'The issue asked for has no folder under bulletins/, or its folder has no issue.md.',
    fix: 'Create the issue with `bulletin new --date YYYY-MM-DD`.',
    message: (p) =>
      p.case === 'folder' ? `There is no issue folder ${p.folder}.` : `The issue has no ${p.file}.`,
    hint: (p) =>
      p.case === 'folder'
        ? `Create it with \`bulletin new --date ${p.date}\`.`
        : `Add issue.md with the title, date and summary: \`bulletin new --date ${p.date}\` writes one beside the items.`,
    example: { case: 'folder', folder: 'bulletins/2018-05-11', date: '2018-05-11' },
  }),
  'folder-name': entry<{ folder: string }>({
    means: 'An issue folder under bulletins/ is not named by its publication date.',
    fix: 'Rename the folder to YYYY-MM-DD.',
    message: (p) => `Issue folder "${p.folder}" is not named by a date.`,
    hint: () => 'Name each issue folder by its publication date, YYYY-MM-DD.',
    example: { folder: 'may-issue' },
  }),
  'date-mismatch': entry<{ written: string; folder: string }>({
    means: 'The `date:` in issue.md differs from the date its folder is named by.',
    fix: 'Make the two agree: change the date, or rename the folder.',
    message: (p) => `The issue date ${p.written} does not match its folder ${p.folder}.`,
    hint: (p) => `Change the date to ${p.folder}, or rename the folder to ${p.written}.`,
    example: { written: '2018-05-18', folder: '2018-05-11' },
  }),
  'duplicate-title': entry<{ title: string; other: string }>({
    means: 'Two items of one issue have the same title; readers (and the archive) could not tell them apart.',
    fix: 'Give each item its own title, or merge the two.',
    message: (p) => `The title "${p.title}" is also used by ${p.other}.`,
    hint: () => 'Give each item of an issue its own title, or merge the two items.',
    example: { title: 'Stroke programme', other: 'stroke.md' },
  }),
  'unsafe-html': entry<{ what: string }>({
    means: 'The content holds raw HTML that could run code or embed other pages; it would be removed.',
    fix: 'Write the content in Markdown.',
    message: (p) => `Raw HTML with ${p.what} is not allowed in bulletin content; it would be removed.`,
    hint: () =>
      'Write it in Markdown instead (links: [text](https://...)); scripts, embeds and event handlers never reach subscribers.',
    example: { what: 'a <script> element' },
  }),
  'quote-too-lazy': entry<{ lines: number; limit: number }>({
    means:
      "A block quote's paragraph goes on for more than a thousand lines that do not start with `>`; reading such a paragraph takes time that grows with the square of its length, so the file is not read further.",
    fix: 'Start each quoted line with `>`, or end the quote with a blank line.',
    message: (p) =>
      `This quote's paragraph goes on for more than ${p.limit.toLocaleString('en-GB')} lines without \`>\` (${p.lines.toLocaleString('en-GB')} so far); Bulletin does not read such a paragraph.`,
    hint: () =>
      'Start every line of the quote with `>` (they then read in no time), or put a blank line where the quote ends.',
    example: { lines: 1001, limit: 1000 },
  }),
  'unsafe-url': entry<{ url: string } | { name: string; value: string }>({
    means: 'A link or address is not a web or email address (e.g. a javascript: link).',
    fix: 'Link to a page (https://...) or an email address (mailto:...).',
    // `url`: a link in the text; `name`: a key of the front matter or config (content/fields.ts `webUrl`).
    message: (p) =>
      'url' in p
        ? `The link to "${p.url.slice(0, 40)}" is a script, not an address.`
        : `${capitalise(p.name)}: "${p.value}" is not a web address.`,
    hint: (p) =>
      'url' in p
        ? 'Link to a web page (https://...) or an email address (mailto:...).'
        : 'Use a full address starting with https:// (or mailto: for email).',
    example: { url: 'javascript:alert(1)' },
  }),
  'image-missing': entry<{ url: string; item: string; folder: string }>({
    means: 'An item shows an image file that is not in the issue folder.',
    fix: 'Copy the image beside the item, or correct its name (names are case-sensitive).',
    message: (p) => `The image "${p.url}" does not exist beside ${p.item}.`,
    hint: (p) => `Copy the image into ${p.folder}/, or correct its name (names are case-sensitive).`,
    example: { url: 'board.jpg', item: 'stroke.md', folder: 'bulletins/2018-05-11' },
  }),
  'image-outside-issue': entry<{ url: string; linked: boolean }>({
    means:
      'An item shows an image from outside its issue folder, which the email and archive would not carry.',
    fix: 'Copy the image into the issue folder and refer to it by its name.',
    message: (p) =>
      p.linked
        ? `The image "${p.url}" is a link to a file outside the issue folder.`
        : `The image "${p.url}" is outside the issue folder.`,
    hint: (p) =>
      p.linked
        ? 'Copy the image itself into the issue folder.'
        : 'Put the image beside the item file and refer to it by its name, e.g. ![Board meeting](board.jpg).',
    example: { url: '../2018-05-04/board.jpg', linked: false },
  }),
  'image-unsupported': entry<{ url: string }>({
    means: 'An image is not in a format mail apps and browsers show.',
    fix: 'Export it as JPEG or PNG, or link to the document instead.',
    message: (p) => `"${p.url}" is not a JPEG, PNG, GIF, WebP, AVIF or SVG image.`,
    hint: () => 'Export it as JPEG or PNG; link to documents with [text](https://...) instead.',
    example: { url: 'minutes.pdf' },
  }),
  'config-invalid': entry<
    | { case: 'no-config'; root: string }
    | { case: 'duplicate-id'; id: string; list: string }
    | { case: 'base-url'; value: string }
    | { case: 'kind-without-section'; kind: string; listed: string; sectionTitle: string }
    | { case: 'time-zone' | 'locale'; name: string; value: string }
    | { case: 'imap-url'; name: string; reason: string }
    | { case: 'bounce-address'; name: string; value: string; max: number }
    | { case: 'logo'; path: string; reason: string }
  >({
    means: 'bulletin.config.yaml (or BULLETIN_BASE_URL) is missing or holds a value Bulletin cannot use.',
    fix: 'Correct the setting named; the README lists every setting.',
    message: (p) => {
      if (p.case === 'time-zone') return `${capitalise(p.name)}: "${p.value}" is not a time zone.`;
      if (p.case === 'locale') return `${capitalise(p.name)}: "${p.value}" is not a locale.`;
      if (p.case === 'bounce-address')
        return (
          `${capitalise(p.name)}: "${p.value}" leaves no room for the bounce token: ` +
          `the part before the @ may be at most ${p.max} characters, without a "+" or quotes.`
        );
      if (p.case === 'no-config') return `No bulletin.config.yaml or bulletin.config.json in ${p.root}.`;
      if (p.case === 'logo') return `The logo "${p.path}" ${p.reason}.`;
      // The reason never repeats the URL: it may hold a password.
      if (p.case === 'imap-url') return `${capitalise(p.name)} ${p.reason}.`;
      if (p.case === 'duplicate-id') return `Duplicate id "${p.id}" in ${p.list}.`;
      if (p.case === 'kind-without-section')
        return `The kind "${p.kind}" has no section in \`sections:\` (${p.listed}): its items would not appear.`;
      return `BULLETIN_BASE_URL "${p.value}" is not an http or https address.`;
    },
    hint: (p) => {
      if (p.case === 'time-zone') return 'Use an IANA time zone name, e.g. Europe/London.';
      if (p.case === 'locale') return 'Use a BCP 47 language tag, e.g. en-GB.';
      if (p.case === 'bounce-address')
        return 'Use a short mailbox such as bounces@example.org: each message is sent from bounces+TOKEN@example.org.';
      if (p.case === 'no-config')
        return 'Run Bulletin from the folder that holds your site, or create the config (see the README).';
      if (p.case === 'duplicate-id') return 'Each id may appear once.';
      if (p.case === 'logo')
        return 'Put a PNG, JPEG, SVG, GIF or WebP file beside the config and give its path from there, e.g. logo: brand/logo.png.';
      if (p.case === 'imap-url')
        return 'The password goes in BULLETIN_BOUNCES_IMAP_PASSWORD, the folder in dispatch.bounces.imap.folder.';
      if (p.case === 'kind-without-section')
        return `Add it to \`sections:\`, for example:\n  - kind: ${p.kind}\n    title: ${p.sectionTitle}`;
      return 'Set it like http://127.0.0.1:8080/, or unset it to use site.baseUrl.';
    },
    example: { case: 'duplicate-id', id: 'stroke', list: 'programmes' },
  }),
};
