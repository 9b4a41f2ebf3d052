import { entry } from './entry.js';

const ASK_A_BROWSER =
  'Open it in a browser: if it works there, this can be ignored; if not, correct or remove it.';

function statusHint(status: number): string {
  if (status === 401 || status === 403)
    return 'The site refused an automatic check; it may need a login, or turn robots away. Open it in a browser, logged out: subscribers see what you see there.';
  if (status === 429) return 'The site asked for fewer requests; check again later.';
  if (status >= 500) return 'The site had an error of its own; open it in a browser, or check again later.';
  return ASK_A_BROWSER;
}

/** Warnings: the bulletin can be sent, but a reader would notice. */
export const warningEntries = {
  'meeting-outside-week': entry<{ title: string; date: string; from: string; to: string }>({
    means: 'A meeting in the issue is not in the week the issue covers.',
    fix: 'Check the date, or move the meeting to the issue of its week.',
    message: (p) => `"${p.title}" on ${p.date} is not next week (${p.from} to ${p.to}).`,
    hint: () => 'Check the date, or move the meeting to the issue of its week.',
    example: { title: 'Board meeting', date: '2018-06-01', from: '14 May 2018', to: '20 May 2018' },
  }),
  'meeting-link-off-calendar': entry<{ title: string; link: string; length: number }>({
    means:
      "A meeting's link is not one a calendar event can carry, so the archive's calendar links the event to the issue page instead.",
    fix: 'Use the address the meeting is joined at as a browser shows it, with a host name of letters, digits, dots and hyphens.',
    message: (p) =>
      `The link of "${p.title}" cannot go in the calendar (${p.link}${p.length > 80 ? `, ${p.length} characters` : ''}); its event will link to the issue page.`,
    hint: () =>
      'Calendar files take a web address whose host has only letters, digits, dots and hyphens (no "_"), up to 8,192 characters; use the meeting\'s public address, or leave the link out.',
    example: { title: 'Board meeting', link: 'https://video_host.example.org/board', length: 36 },
  }),
  'empty-section': entry<{ section: string; kind: string }>({
    means: 'A section of the bulletin has no items this week; the email skips it.',
    fix: 'Add an item to it, or leave it.',
    message: (p) => `The section "${p.section}" has no items this week.`,
    hint: (p) =>
      `Add one with \`bulletin add ${p.kind} "Title"\`, or leave it: the email skips empty sections.`,
    example: { section: 'Meetings', kind: 'meetings' },
  }),
  'empty-item': entry<{ title: string }>({
    means: 'An item has a title but no text below its front matter.',
    fix: 'Write the item, or delete its file.',
    message: (p) => `"${p.title}" has a title but no text.`,
    hint: () => 'Write the item below its front matter, or delete the file.',
    example: { title: 'Stroke programme' },
  }),
  'image-alt-missing': entry<Record<string, never>>({
    means: 'An image has no alt text, so screen readers and mail apps that block images show nothing.',
    fix: 'Describe the image between the brackets.',
    message: () => 'Image has no alt text.',
    hint: () =>
      'Describe the image in the brackets, e.g. ![Board members at the May meeting](board.jpg); screen readers and mail apps that block images show it.',
    example: {},
  }),
  'placeholder-left': entry<{ placeholder: string }>({
    means: 'The text still holds a placeholder (TODO, TBC, XXX, lorem ipsum...).',
    fix: 'Replace it with the missing text.',
    message: (p) => `Leftover placeholder "${p.placeholder}".`,
    hint: () => 'Replace it with the missing text before sending.',
    example: { placeholder: 'TODO' },
  }),
  'link-text-vague': entry<{ text: string }>({
    means: 'A link\'s words ("click here", "more") say nothing about where it goes.',
    fix: 'Name the destination in the link text.',
    message: (p) => `The link text "${p.text}" says nothing about where it goes.`,
    hint: () =>
      'Name the destination in the link, e.g. [the stroke programme report](https://...) instead of [click here](https://...).',
    example: { text: 'click here' },
  }),
  'heading-order': entry<
    | { case: 'too-high'; depth: number; text: string }
    | { case: 'skip'; depth: number; text: string; previous: number }
  >({
    means: "A heading inside an item is at a level that competes with the bulletin's own, or skips a level.",
    fix: 'Use ### for a heading inside an item, and no skipped levels below it.',
    message: (p) =>
      p.case === 'too-high'
        ? `A level-${p.depth} heading ("${p.text}") inside an item competes with the bulletin's own headings.`
        : `The heading "${p.text}" jumps from level ${p.previous} to ${p.depth}.`,
    hint: (p) =>
      p.case === 'too-high'
        ? 'Use ### for a heading inside an item (and #### below it).'
        : `Make it level ${p.previous + 1} (${'#'.repeat(p.previous + 1)}), so no level is skipped.`,
    example: { case: 'too-high', depth: 1, text: 'Our news' },
  }),
  'subject-too-long': entry<{ subject: string; fits: number }>({
    means: 'The email subject is longer than a phone shows.',
    fix: 'Put the point first, or set a shorter `subject:` in issue.md.',
    message: (p) =>
      `The subject is ${p.subject.length} characters; a phone shows about the first ${p.fits}: "${p.subject.slice(0, p.fits)}…".`,
    hint: (p) =>
      `Put the point in the first ${p.fits} characters, or set a shorter \`subject:\` in issue.md.`,
    example: { subject: 'Stroke programme: what happens next, and the board meeting in May', fits: 40 },
  }),
  'link-unverified': entry<
    | { case: 'failed'; what: string; reason: string; offline: boolean }
    | { case: 'timeout'; what: string; seconds: number; offline: boolean }
    | { case: 'status'; what: string; status: number; statusLine: string }
    | { case: 'not-image'; what: string; contentType: string }
  >({
    means: 'A link could not be checked: no answer, an error status, or a page where an image belongs.',
    fix: 'Open it in a browser: if it works there, ignore this; if not, correct or remove it.',
    message: (p) => {
      if (p.case === 'not-image') return `${p.what} is not an image: it is served as ${p.contentType}.`;
      const reason =
        p.case === 'failed'
          ? p.reason
          : p.case === 'timeout'
            ? `no answer within ${p.seconds} s`
            : `it answered ${p.statusLine}`;
      return `${p.what} could not be verified: ${reason}.`;
    },
    hint: (p) => {
      if (p.case === 'not-image')
        return 'Use the address of the image file itself (open the image on its own and copy that address), not the page that shows it.';
      if (p.case === 'status') return statusHint(p.status);
      if (p.offline)
        return 'This computer seems to be offline; check the connection, or run with --offline (BULLETIN_OFFLINE=1) to skip the network check.';
      return p.case === 'timeout'
        ? 'Open it in a browser; the site may be slow or down. Check again later.'
        : ASK_A_BROWSER;
    },
    example: {
      case: 'status',
      what: 'The link to https://example.org/report',
      status: 503,
      statusLine: '503 Service Unavailable',
    },
  }),
  'link-private': entry<{ what: string; where: string }>({
    means:
      'A link points at this computer or a private network, which Bulletin never fetches; it is not checked.',
    fix: 'Nothing, if the link is meant for readers inside that network; else use its public address.',
    message: (p) => `${p.what} was not checked: private address (${p.where}).`,
    hint: () =>
      'Addresses of this computer or a private network are not fetched, so that content cannot make Bulletin ' +
      'reach inside the network it runs in. A link meant for readers inside your network can stay (this is only ' +
      'a warning); to have such links checked, set linkCheck.allowPrivateAddresses: true in bulletin.config.yaml.',
    example: { what: 'The link to http://192.168.1.10/agenda', where: '192.168.1.10' },
  }),
};
