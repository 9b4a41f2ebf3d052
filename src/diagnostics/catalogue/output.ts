import { entry } from './entry.js';

/** Problems found in what is built: the email, its plain-text part, the links in it. */
export const outputEntries = {
  'template-error': entry<{ detail: string }>({
    means: 'A template under templates/ failed to render; the content is not at fault.',
    fix: 'Correct the template at the place the message names.',
    message: (p) => p.detail,
    hint: () => 'Fix the template; content is not at fault.',
    example: { detail: "Parse error on line 12: expecting 'CLOSE', got 'EOF'" },
  }),
  'build-failed': entry<{ detail: string }>({
    means: 'The live preview could not build the issue for a reason that is not in the content: a bug.',
    fix: 'Report it with the files that cause it.',
    message: (p) => `The preview could not build: ${p.detail}`,
    hint: () =>
      'This is a bug in Bulletin, not in the bulletin; please report it with the files that cause it.',
    example: { detail: 'ENOSPC: no space left on device, write' },
  }),
  'email-too-large': entry<{ bytes: number }>({
    means: "The email's HTML is so large that Gmail would clip it, hiding the end and the unsubscribe link.",
    fix: 'Shorten the longest items, or move them to the web and link to them.',
    message: (p) =>
      `The email's HTML is ${(p.bytes / 1024).toFixed(1)} KB per subscriber; Gmail clips anything over 102 KB (Bulletin keeps 5% in hand), hiding the end of the bulletin and its unsubscribe link.`,
    hint: () => 'Shorten the longest items, or move them to the web and link to them.',
    example: { bytes: 104_448 },
  }),
  'mailto-invalid': entry<{ why: string; url: string; html: boolean }>({
    means: 'An email link (mailto:) has no address, or an address that cannot be one.',
    fix: 'Write the whole address after "mailto:".',
    message: (p) => `The email link ${p.why}: ${p.url}`,
    hint: (p) =>
      p.html
        ? 'Write it as <a href="mailto:name@example.org">, with the whole address.'
        : 'Write it as [name@example.org](mailto:name@example.org), with the whole address.',
    example: { why: 'has no address', url: 'mailto:', html: false },
  }),
  'mailto-missing': entry<{ url: string; text: string }>({
    means:
      'A link goes to an email address written without "mailto:", so it would open a web page that does not exist.',
    fix: 'Put "mailto:" in front of the address.',
    message: (p) =>
      `The link to "${p.url}" is an email address without "mailto:", so it would open a web page that does not exist.`,
    hint: (p) => `Write it as [${p.text || p.url}](mailto:${p.url}).`,
    example: { url: 'sue@example.org', text: 'Sue' },
  }),
  'link-syntax': entry<{ shown: string }>({
    means:
      'Markdown that was meant as a link did not become one (a space in the address, a missing bracket).',
    fix: 'Write %20 for a space in an address, or put the address in <...>; close the link with ")".',
    message: (p) =>
      `This link did not come out as a link: "${p.shown.slice(0, 80)}" would show as typed, brackets and all.`,
    hint: () =>
      'An address cannot contain spaces: write %20 for one (mailto:a@example.org?subject=Hi%20there), or put the address in <...>; and close it with ")".',
    example: { shown: '](mailto:sue smith@example.org)' },
  }),
  'link-broken': entry<
    | { case: 'gone'; what: string; status: string; image: boolean }
    | { case: 'no-host'; what: string; host: string }
  >({
    means: 'A link or image address answers "not found" (404 or 410), or names a host that does not exist.',
    fix: 'Correct the address, or remove the link.',
    message: (p) =>
      p.case === 'gone'
        ? `${p.what} answered ${p.status}.`
        : `${p.what} names the host ${p.host}, which does not exist.`,
    hint: (p) => {
      if (p.case === 'no-host')
        return 'Correct the spelling of the address (the part after https://), or remove it.';
      return p.image
        ? 'Correct the address, or remove the image; subscribers would see a broken image.'
        : 'Correct the address, or remove the link; subscribers would land on an error page.';
    },
    example: {
      case: 'gone',
      what: 'The link to https://example.org/report',
      status: '404 Not Found',
      image: false,
    },
  }),
  'text-part-empty': entry<{ characters: number }>({
    means:
      'The plain-text part of the email is (almost) empty, usually because email.txt.hbs lost its items loop.',
    fix: 'Restore the items loop in email.txt.hbs.',
    message: (p) =>
      `The plain-text part has only ${p.characters} characters; subscribers whose mail app shows text, and spam filters, would see an empty bulletin.`,
    hint: () =>
      'Restore the items loop in email.txt.hbs (compare with the built-in templates/email/email.txt.hbs).',
    example: { characters: 12 },
  }),
  'text-part-incomplete': entry<{ missing: string[] }>({
    means: 'The plain-text part leaves out items the HTML part has.',
    fix: 'Check the loops and section names in email.txt.hbs.',
    message: (p) =>
      `The plain-text part leaves out ${p.missing.length === 1 ? 'an item' : `${p.missing.length} items`} the HTML has: ${p.missing.map((t) => `"${t}"`).join(', ')}.`,
    hint: () =>
      'Check the loops and section names in email.txt.hbs (compare with the built-in templates/email/email.txt.hbs).',
    example: { missing: ['Stroke programme'] },
  }),
  'unsubscribe-missing': entry<{ part: 'html' | 'text' }>({
    means: 'A part of the email has no unsubscribe link, which the law and bulk-sender rules require.',
    fix: 'Link to {{recipient.unsubscribeUrl}} in the template of that part.',
    message: (p) =>
      p.part === 'html'
        ? "The HTML email has no unsubscribe link; the law and Gmail's bulk-sender rules require one in every bulletin."
        : 'The plain-text part has no unsubscribe link.',
    hint: (p) =>
      p.part === 'html'
        ? 'Link to {{recipient.unsubscribeUrl}} in the footer of email.mjml.hbs, e.g. <a href="{{recipient.unsubscribeUrl}}">Unsubscribe</a>.'
        : 'Add "Unsubscribe: {{recipient.unsubscribeUrl}}" to the end of email.txt.hbs.',
    example: { part: 'html' },
  }),
};
