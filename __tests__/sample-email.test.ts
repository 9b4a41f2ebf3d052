import { load, type CheerioAPI } from 'cheerio';
import { GMAIL_CLIP_BYTES } from '../src/checks/email-checks.js';
import type { CompiledEmail } from '../src/render/email/compile.js';
import { repoRoot } from './helpers/cli.js';
import { buildInMemory, placeOf, SEED_WARNINGS } from './helpers/site.js';
import { expectGolden } from './helpers/golden.js';
import { join } from 'node:path';

let email: CompiledEmail;
let $: CheerioAPI;
let text: string;
const recipient = {
  email: 'jane.doe@example.org',
  name: 'Jane Doe',
  unsubscribeUrl: 'https://bulletin.wyhpartnership.example/u/abc123',
  preferencesUrl: 'https://bulletin.wyhpartnership.example/p/abc123',
};

beforeAll(async () => {
  const report = await buildInMemory(repoRoot, '2018-05-11');
  expect(report.problems.map((p) => placeOf({ ...p, file: p.file }))).toEqual(SEED_WARNINGS);
  email = report.email!;
  const filled = email.fill(recipient);
  $ = load(filled.html);
  text = filled.text;
});

const texts = (selector: string) =>
  $(selector)
    .map((_, el) => $(el).text().trim())
    .get();

test('subject, title and preheader come from issue.md', () => {
  expect(email.subject).toBe('The giants are still learning to dance');
  expect($('title').text()).toBe('The giants are still learning to dance');
  expect($('body').text()).toContain(email.preheader);
  expect($('h1').text()).toBe('The giants are still learning to dance');
});

test('the lead article keeps its text and is signed by its author', () => {
  const body = $('body').text();
  expect(body).toContain('Those of you who have been involved in organisational life');
  expect(body).toContain('I hope we can invent it together. I’m confident we can.');
  expect(body).toContain('By Robin Tuddenham, Chief Executive, Calderdale Council');
  expect($('a[href^="https://www.kingsfund.org.uk/"]').text()).toBe('here');
});

test('"What else has been happening this week?" is grouped by section, in config order', () => {
  expect(texts('h2')).toEqual([
    'In this issue',
    'What else has been happening this week?',
    'What’s happening next week?'.replace('’', "'"),
  ]);
  expect(texts('h3').slice(0, 3)).toEqual(['Network updates', 'Programme news', 'Other news']);
  expect(texts('h4')).toEqual([
    'Communication and engagement network',
    'Carers',
    'Maternity',
    'Stroke programme',
    'Organisational development',
    'Local Health and Care Record Exemplar',
  ]);
  expect($('body').text()).toContain('Contact: Fatima Khan-Shah');
  expect($('a[href="mailto:fatima.khan-shah@wyhpartnership.example"]').length).toBe(1);
});

test('next week’s meetings are grouped by day, undated ones last', () => {
  expect(texts('h3').slice(3)).toEqual(['Tuesday 15 May', 'Thursday 17 May', 'Also next week']);
  const dayLists = $('h3')
    .slice(3)
    .map((_, h) => [
      $(h)
        .next('ul')
        .find('li')
        .map((__, li) => $(li).find('strong').text())
        .get(),
    ])
    .get() as unknown as string[][];
  expect(dayLists).toEqual([
    ['Joint Committee of the Nine Clinical Commissioning Groups', 'Clinical forum', 'Leadership group'],
    ['Lay member assurance group for the nine clinical commissioning groups'],
    ['Care Provider Alliance'],
  ]);
});

test('every link is absolute and every image has alt text', () => {
  const hrefs = $('a[href]')
    .map((_, a) => $(a).attr('href'))
    .get();
  expect(hrefs.length).toBeGreaterThan(5);
  for (const href of hrefs) expect(href).toMatch(/^(https:\/\/|mailto:)/);
  $('img').each((_, img) => expect($(img).attr('alt')?.trim()).toBeTruthy());
});

test('the footer carries the recipient’s unsubscribe link, view-online link and the sender’s address', () => {
  expect($(`a[href="${recipient.unsubscribeUrl}"]`).text()).toBe('Unsubscribe');
  expect($(`a[href="${recipient.preferencesUrl}"]`).length).toBe(1);
  expect($('a[href="https://bulletin.wyhpartnership.example/issues/2018-05-11/"]').first().text()).toBe(
    'View this bulletin in your browser',
  );
  expect($('body').text()).toContain('White Rose House, West Parade, Wakefield WF1 1LT');
  expect($('body').text()).toContain('Hello Jane Doe,');
  expect($('body').text()).toContain('at jane.doe@example.org');
});

test('the HTML is under Gmail’s clipping size and has no placeholders left once filled', () => {
  const html = $.html();
  expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
  expect(html).not.toMatch(/\{\{|\}\}/);
  expect(email.withPlaceholders().html).toContain('href="{{recipient.unsubscribeUrl}}"');
});

test('the text part reads like the original, with link URLs and the unsubscribe URL', () => {
  expect(text).toContain('The giants are still learning to dance\n======================================');
  expect(text).toContain('What else has been happening this week?');
  expect(text).toContain(
    'Tuesday 15 May\n--------------\n* Joint Committee of the Nine Clinical Commissioning Groups: Development\n  session.',
  );
  expect(text).toContain('Also next week\n--------------\n* Care Provider Alliance');
  expect(text.replace(/\s+/g, ' ')).toContain(
    'You can read their report here (https://www.kingsfund.org.uk/',
  );
  expect(text).toContain('* Children and young people carers\n* Acute care');
  expect(text).toContain(`Unsubscribe: ${recipient.unsubscribeUrl}`);
  expect(text).not.toMatch(/<[a-z]+[\s>]|&amp;|\{\{/);
});

test('the built text part of the seed week matches its golden file', () => {
  expectGolden(
    join(repoRoot, '__tests__', 'fixtures', 'email', '2018-05-11.txt'),
    email.withPlaceholders().text,
  );
});
