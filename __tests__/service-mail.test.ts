import * as cheerio from 'cheerio';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { alreadySubscribedMessage, confirmationMessage } from '../src/service/mail.js';
import { repoRoot } from './helpers/cli.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const SECRET = 'x'.repeat(32);

let config: Config;

beforeAll(async () => {
  const loaded = (await loadConfig(repoRoot)).config!;
  // Characters HTML gives a meaning to, in every value the mail shows, to see each is escaped.
  config = {
    ...loaded,
    site: { ...loaded.site, name: `Tom & Jerry's <b>"Network"</b>` },
    sender: { ...loaded.sender, postalAddress: '1 <High> St & Co' },
  };
});

/** What a reader sees of the HTML part: its paragraphs, its one link, the styles it keeps. */
function shown(html: string) {
  const $ = cheerio.load(html);
  return {
    paragraphs: $('p')
      .map((_, p) => $(p).text())
      .get(),
    link: { href: $('a').attr('href'), text: $('a').text(), style: $('a').attr('style') },
    bodyStyle: $('body').attr('style'),
    footerStyle: $('p').last().attr('style'),
    footerHtml: $('p').last().html(),
  };
}

describe('the service mails, rendered from templates/service-mail', () => {
  test('the confirmation: text part exactly, and the HTML part shows the same words and link', () => {
    const message = confirmationMessage(config, SECRET, 'ann@example.org', 'n1', NOW);
    const text = String(message.text);
    const href = text.match(/^https?:\/\/\S+$/m)![0];
    expect(href).toContain('/confirm?token=');
    const name = config.site.name;
    const lines = [
      `Someone, probably you, asked to subscribe ann@example.org to the ${name} bulletin.`,
      `To start getting it, open the link below and press the button. The link works for ${config.service.confirmDays} days.`,
      'If you did not ask for this, ignore this email: you will not be subscribed, and we will not write again.',
    ];
    const footer = `${config.sender.from.name}\n${config.sender.postalAddress}\n`;
    expect(text).toBe(`${lines.join('\n\n')}\n\nConfirm my subscription:\n${href}\n\n${footer}`);
    expect(message.subject).toBe(`Confirm your subscription to the ${name} bulletin`);
    const html = String(message.html);
    expect(html.startsWith('<!doctype html><html><body ')).toBe(true);
    expect(html).not.toMatch(/<b>|<High>/);
    expect(shown(html)).toEqual({
      paragraphs: [
        ...lines,
        'Confirm my subscription',
        `${config.sender.from.name}${config.sender.postalAddress}`,
      ],
      link: {
        href,
        text: 'Confirm my subscription',
        style: 'display:inline-block;padding:.5em 1em;background:#005eb8;color:#ffffff;text-decoration:none',
      },
      bodyStyle: 'font-family:Arial,sans-serif;line-height:1.5;color:#212b32',
      footerStyle: 'color:#4c6272;font-size:.9em',
      footerHtml: `${config.sender.from.name.replace(/&/g, '&amp;')}<br>1 &lt;High&gt; St &amp; Co`,
    });
  });

  test('"you already get it": the same shape, with the preferences link', () => {
    const message = alreadySubscribedMessage(config, SECRET, 'ann@example.org', 'weekly', NOW);
    const text = String(message.text);
    const href = text.match(/^https?:\/\/\S+$/m)![0];
    expect(href).toContain('/preferences?token=');
    const lines = [
      `Someone, probably you, asked to subscribe ann@example.org to the ${config.site.name} bulletin. This address already gets it, so nothing has changed.`,
      'You can choose which lists you get, or leave, here:',
    ];
    expect(text).toBe(
      `${lines.join('\n\n')}\n\nManage my subscription:\n${href}\n\n${config.sender.from.name}\n${config.sender.postalAddress}\n`,
    );
    expect(message.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
    const seen = shown(String(message.html));
    expect(seen.paragraphs).toEqual([
      ...lines,
      'Manage my subscription',
      `${config.sender.from.name}${config.sender.postalAddress}`,
    ]);
    expect(seen.link.href).toBe(href);
  });
});
