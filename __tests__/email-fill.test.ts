import { load } from 'cheerio';
import { buildInMemory, tempSite } from './helpers/site.js';
import type { Recipient } from '../src/render/email/compile.js';

const issue = (extra = '') => `---
title: "Templates {{recipient.email}} and {{#each slots}}x{{/each}}"
date: 2018-05-11
summary: "Summary with {{{slots.s0}}} and </mj-preview> inside"
${extra}---
Content that looks like a template: {{recipient.unsubscribeUrl}}, {{> footer}}, \\{{escaped}}, {{#if true}}yes{{/if}}.

An MJML tag in prose: </mj-text><mj-raw><p>broken out?</p></mj-raw>
`;

const item = `---
kind: network
title: "<b>Bold</b> {{lookup . 'constructor'}}"
contact:
  name: "{{recipient.name}}"
  email: someone@example.org
---
Body of the network item with {{slots}}.
`;

test('content that looks like Handlebars or MJML is printed as text, never run', async () => {
  const site = tempSite();
  try {
    site.write('2018-05-11', 'issue.md', issue());
    site.write('2018-05-11', '01-network.md', item);
    const report = await buildInMemory(site.root, '2018-05-11');
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const { html, text } = report.email!.fill({
      email: 'reader@example.org',
      name: 'Reader',
      unsubscribeUrl: 'https://u.example/x',
    });
    const $ = load(html);
    expect($('h1').text()).toBe('Templates {{recipient.email}} and {{#each slots}}x{{/each}}');
    expect($('title').text()).toBe('Templates {{recipient.email}} and {{#each slots}}x{{/each}}');
    expect($('body').text()).toContain(
      'Content that looks like a template: {{recipient.unsubscribeUrl}}, {{> footer}}',
    );
    expect($('body').text()).toContain('{{#if true}}yes{{/if}}');
    expect($('body').text()).toContain('Summary with {{{slots.s0}}} and </mj-preview> inside');
    expect($('h4').text()).toBe("<b>Bold</b> {{lookup . 'constructor'}}");
    expect($('body').text()).toContain('Contact: {{recipient.name}}');
    expect(html).not.toContain('<mj-');
    expect(html).not.toContain('<p>broken out?</p>');
    expect(text).toContain('Templates {{recipient.email}} and {{#each slots}}x{{/each}}');
    expect(text).toContain('Body of the network item with {{slots}}.');
    expect(text).not.toContain('reader@example.org, {{> footer}}');
    // In the built email.html only the template's own placeholders are written with braces.
    const built = report.email!.withPlaceholders().html;
    expect(built).not.toMatch(/\{\{(#each|> footer|lookup|slots)/);
    expect(built).toContain('&#123;&#123;recipient.email}} and &#123;&#123;#each slots}}');
    expect(built.match(/\{\{recipient\.unsubscribeUrl\}\}/g)).toHaveLength(1);
  } finally {
    site.remove();
  }
});

test('recipient fields are escaped in the HTML and verbatim in the text', async () => {
  const site = tempSite();
  try {
    site.write('2018-05-11', 'issue.md', issue());
    const email = (await buildInMemory(site.root, '2018-05-11')).email!;
    const nasty = {
      email: 'a@example.org',
      name: '<script>alert(1)</script> & "Co"',
      unsubscribeUrl: 'https://u.example/x?a=1&b="2"',
    };
    const { html, text } = email.fill(nasty);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
    expect(load(html)('a:contains("Unsubscribe")').attr('href')).toBe(nasty.unsubscribeUrl);
    expect(text).toContain(`Hello ${nasty.name},`);
    expect(text).toContain(`Unsubscribe: ${nasty.unsubscribeUrl}`);
    const anonymous = email.fill({ email: 'b@example.org', unsubscribeUrl: 'https://u.example/y' });
    expect(anonymous.html).not.toContain('Hello');
    expect(anonymous.text).not.toContain('Hello');
  } finally {
    site.remove();
  }
});

test('the fields a recipient leaves out get their defaults; a missing address fails, naming it', async () => {
  const site = tempSite();
  try {
    site.write('2018-05-11', 'issue.md', issue());
    const email = (await buildInMemory(site.root, '2018-05-11')).email!;
    const bare = { email: 'b@example.org', unsubscribeUrl: 'https://u.example/b' };
    const given = {
      ...bare,
      name: 'B',
      preferencesUrl: 'https://u.example/prefs',
      viewOnlineUrl: 'https://u.example/online',
    };
    const withDefaults = email.fill(bare);
    expect(withDefaults.text).toContain(email.url);
    expect(withDefaults.html).not.toContain('u.example/prefs');
    const withFields = email.fill(given);
    expect(withFields.html).toContain('https://u.example/prefs');
    expect(withFields.html).toContain('https://u.example/online');
    expect(withFields.text).toContain('Hello B,');
    // Undefined fields count as left out, as when they are absent.
    expect(email.fill({ ...bare, name: undefined, preferencesUrl: undefined })).toEqual(withDefaults);
    expect(() => email.fill({ unsubscribeUrl: 'https://u.example/b' } as Recipient)).toThrow(/"email"/);
  } finally {
    site.remove();
  }
});

test('each fill is independent: no recipient leaks into the next message', async () => {
  const site = tempSite();
  try {
    site.write('2018-05-11', 'issue.md', issue());
    const email = (await buildInMemory(site.root, '2018-05-11')).email!;
    const first = email.fillHtml({
      email: 'first@example.org',
      name: 'First',
      unsubscribeUrl: 'https://u.example/1',
    });
    const second = email.fillHtml({ email: 'second@example.org', unsubscribeUrl: 'https://u.example/2' });
    expect(first).toContain('first@example.org');
    expect(second).not.toMatch(/first@example.org|First|u\.example\/1/);
  } finally {
    site.remove();
  }
});
