import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import ical, { type CalendarResponse, type VEvent } from 'node-ical';
import { parse as parseYaml } from 'yaml';
import {
  calendarFiles,
  googleCalendarLink,
  meetingCalendarUrl,
  meetingUid,
  zonedTimeToUtc,
} from '../src/archive/calendar.js';
import { feedFiles, feedLinks } from '../src/archive/feeds.js';
import type { Archive } from '../src/archive/model.js';
import { listIssueDates } from '../src/content/issues-dir.js';
import { archiveFromSite } from './helpers/archive.js';
import { repoRoot } from './helpers/cli.js';

const BASE = 'https://bulletin.wyhpartnership.example';
const SITE = 'West Yorkshire and Harrogate Health and Care Partnership';
let archive: Archive;
let dates: string[]; // newest first
let newest: string;

beforeAll(async () => {
  archive = await archiveFromSite();
  dates = (await listIssueDates(repoRoot)).reverse();
  newest = dates[0]!;
  expect(dates).toEqual(['2018-05-25', '2018-05-18', '2018-05-11']);
});

const text = (files: Map<string, string | Uint8Array>, path: string): string => {
  const value = files.get(path);
  if (typeof value !== 'string') throw new Error(`no ${path} in ${[...files.keys()].join(', ')}`);
  return value;
};
const repeated = ['rss.channel.item', 'rss.channel.atom:link', 'feed.entry', 'feed.link', 'feed.entry.link'];
const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (_name, path) => repeated.includes(String(path)),
});
const midnightUtc = (date: string) => new Date(`${date}T00:00:00Z`).getTime();

describe('feeds', () => {
  test('RSS 2.0: every issue, newest first, with its absolute link and date', () => {
    const source = text(feedFiles(archive), 'feed.xml');
    expect(XMLValidator.validate(source)).toBe(true);
    const channel = xml.parse(source).rss.channel;
    expect(channel.title).toBe(SITE);
    expect(channel.description).toBe('Weekly bulletin');
    expect(channel.link).toBe(`${BASE}/`);
    expect(channel.copyright).toContain(SITE);
    expect(Date.parse(channel.lastBuildDate)).toBe(midnightUtc(newest));
    expect(channel['atom:link'][0]['@_href']).toBe(`${BASE}/feed.xml`);
    expect(channel.item.map((i: { link: unknown }) => i.link)).toEqual(
      dates.map((d) => `${BASE}/issues/${d}/`),
    );
    for (const [n, item] of channel.item.entries()) {
      expect(item.guid['#text']).toBe(`${BASE}/issues/${dates[n]}/`);
      expect(Date.parse(item.pubDate)).toBe(midnightUtc(dates[n]!));
    }
    const first = channel.item.at(-1);
    expect(first.title).toBe('The giants are still learning to dance');
    expect(first['dc:creator']).toBe('Robin Tuddenham');
    expect(first['content:encoded']).toContain('Those of you who have been involved in organisational life');
  });

  test('Atom: every issue, feed updated = the newest issue, self link', () => {
    const source = text(feedFiles(archive), 'atom.xml');
    expect(XMLValidator.validate(source)).toBe(true);
    const feed = xml.parse(source).feed;
    expect(feed.id).toBe(`${BASE}/`);
    expect(Date.parse(feed.updated)).toBe(midnightUtc(newest));
    expect(feed.link.find((l: Record<string, string>) => l['@_rel'] === 'self')['@_href']).toBe(
      `${BASE}/atom.xml`,
    );
    expect(feed.entry.map((e: { id: string }) => e.id)).toEqual(dates.map((d) => `${BASE}/issues/${d}/`));
    for (const [n, entry] of feed.entry.entries()) {
      expect(entry.link[0]['@_href']).toBe(`${BASE}/issues/${dates[n]}/`);
      expect(Date.parse(entry.updated)).toBe(midnightUtc(dates[n]!));
      expect(entry.author.name).toBe(archive.issues[n]!.author!.name);
      expect(entry.content['#text']).toContain('<p>');
    }
  });

  test('JSON Feed: every issue, with summary and HTML content', () => {
    const feed = JSON.parse(text(feedFiles(archive), 'feed.json'));
    expect(feed.version).toMatch(/^https:\/\/jsonfeed\.org\/version\/1/);
    expect(feed.feed_url).toBe(`${BASE}/feed.json`);
    expect(feed.home_page_url).toBe(`${BASE}/`);
    expect(feed.items.map((i: { url: string }) => i.url)).toEqual(dates.map((d) => `${BASE}/issues/${d}/`));
    for (const [n, item] of feed.items.entries()) {
      expect(item.id).toBe(item.url);
      expect(Date.parse(item.date_published)).toBe(midnightUtc(dates[n]!));
      expect(item.summary).toBe(archive.issues[n]!.summary);
      expect(item.content_html).toBe(archive.issues[n]!.html);
    }
  });

  test('plain text stays text where a format reads HTML, and "]]>" cannot end a CDATA section', () => {
    const odd = {
      ...archive.issues[0]!,
      title: 'Q&A: <b> is not bold',
      summary: 'Fish & chips',
      html: '<p>a ]]> b ]]> c</p>',
    };
    const files = feedFiles({ ...archive, issues: [odd] });
    for (const path of ['feed.xml', 'atom.xml']) expect(XMLValidator.validate(text(files, path))).toBe(true);
    const rss = xml.parse(text(files, 'feed.xml')).rss.channel.item[0];
    const atom = xml.parse(text(files, 'atom.xml')).feed.entry[0];
    expect([rss.title, rss.description, rss['content:encoded']]).toEqual([
      'Q&A: <b> is not bold',
      'Fish &amp; chips',
      '<p>a ]]> b ]]> c</p>',
    ]);
    expect([atom.title['@_type'], atom.title['#text']]).toEqual(['text', 'Q&A: <b> is not bold']);
    expect(JSON.parse(text(files, 'feed.json')).items[0].title).toBe('Q&A: <b> is not bold');
  });

  test('the same content builds byte-identical feeds, and feedLinks point at them', () => {
    expect(feedFiles(archive)).toEqual(feedFiles(archive));
    const links = feedLinks(archive.config);
    expect(links.map((l) => l.type)).toEqual([
      'application/rss+xml',
      'application/atom+xml',
      'application/feed+json',
    ]);
    expect(links.map((l) => l.href)).toEqual([`${BASE}/feed.xml`, `${BASE}/atom.xml`, `${BASE}/feed.json`]);
  });
});

const events = (source: string): VEvent[] =>
  Object.values(ical.sync.parseICS(source) as CalendarResponse).filter(
    (c): c is VEvent => c?.type === 'VEVENT',
  );
const summary = (e: VEvent) => (typeof e.summary === 'string' ? e.summary : e.summary.val);
/** node-ical gives an all-day date as local midnight. */
const localDay = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

describe('calendars', () => {
  test('2018-05-11 has exactly the dated meetings of its meetings.md, all day, and not the undated one', () => {
    const written = parseYaml(
      readFileSync(join(repoRoot, 'bulletins/2018-05-11/meetings.md'), 'utf8').split(/^---$/m)[1]!,
    );
    const dated = (written.meetings as { title: string; date?: string }[]).filter((m) => m.date);
    const source = text(calendarFiles(archive), 'issues/2018-05-11/meetings.ics');
    const parsed = events(source);
    expect(parsed.map(summary)).toEqual(dated.map((m) => m.title));
    for (const [n, event] of parsed.entries()) {
      expect(event.datetype).toBe('date');
      expect(localDay(event.start)).toBe(dated[n]!.date);
      expect(event.url).toBe(`${BASE}/issues/2018-05-11/`);
    }
    expect(source).not.toContain('Care Provider Alliance');
    expect(source.replace(/\r\n[ \t]/g, '')).toContain(`X-WR-CALNAME:${SITE}`);
    expect(meetingCalendarUrl(archive.config, '2018-05-11')).toBe(`${BASE}/issues/2018-05-11/meetings.ics`);
  });

  test('timed meetings are in UTC: BST is UTC+1 in May; no end means one hour', () => {
    const files = calendarFiles(archive);
    const byTitle = (path: string, title: string) =>
      events(text(files, path)).find((e) => summary(e) === title)!;
    const oversight = byTitle('issues/2018-05-18/meetings.ics', 'System oversight and assurance group');
    expect(oversight.datetype).toBe('date-time');
    expect(oversight.start.toISOString()).toBe('2018-05-22T08:30:00.000Z');
    expect(oversight.end!.toISOString()).toBe('2018-05-22T10:30:00.000Z');
    expect(oversight.location).toBe('White Rose House, Wakefield');
    const primary = byTitle('issues/2018-05-25/meetings.ics', 'Primary and community care programme board');
    expect(primary.start.toISOString()).toBe('2018-05-31T09:00:00.000Z');
    expect(primary.end!.toISOString()).toBe('2018-05-31T10:00:00.000Z');
    expect(byTitle('issues/2018-05-25/meetings.ics', 'Stroke programme session').url).toBe(
      'https://www.wyhpartnership.example/stroke',
    );
  });

  test('UIDs are unique, identical across builds, and survive edits to title and time', () => {
    const uids = (a: Archive) =>
      [...calendarFiles(a)]
        .filter(([p]) => p.startsWith('issues/'))
        .flatMap(([, s]) => events(s as string).map((e) => e.uid));
    const first = uids(archive);
    expect(new Set(first).size).toBe(first.length);
    expect(first).toContain('2018-05-11-meetings-0@bulletin.wyhpartnership.example');
    expect(calendarFiles(archive)).toEqual(calendarFiles(archive));
    // ics would stamp the build time; the issue date is stamped instead, so builds never differ.
    expect(
      new Set(text(calendarFiles(archive), 'issues/2018-05-11/meetings.ics').match(/^DTSTAMP:.*$/gm)),
    ).toEqual(new Set(['DTSTAMP:20180511T000000Z']));
    const edited: Archive = {
      ...archive,
      issues: archive.issues.map((issue) => ({
        ...issue,
        meetings: issue.meetings.map((m) => ({
          ...m,
          title: `${m.title} (moved)`,
          ...(m.start ? { start: '08:00', end: '08:45' } : {}),
        })),
      })),
    };
    expect(uids(edited)).toEqual(first);
    expect(text(calendarFiles(edited), 'calendar.ics')).toContain('(moved)');
  });

  test('calendar.ics holds exactly the meetings dated on or after the newest issue', () => {
    const parsed = events(text(calendarFiles(archive), 'calendar.ics'));
    const expected = archive.issues.flatMap((i) => i.meetings).filter((m) => m.date && m.date >= newest);
    expect(parsed.map(summary).sort()).toEqual(expected.map((m) => m.title).sort());
    expect(parsed.map(summary)).toContain('Workforce steering group'); // from 2018-05-18, on the 25th
    for (const event of parsed) {
      const day = event.datetype === 'date' ? localDay(event.start) : event.start.toISOString().slice(0, 10);
      expect(day >= newest).toBe(true);
    }
  });

  test('a carriage return or other control character in any text or link cannot add events or properties', () => {
    const injected =
      '\rEND:VEVENT\rBEGIN:VEVENT\rUID:evil@attacker.example\rSUMMARY:Injected\rDTSTART:20180516T100000Z\r';
    const hostile = {
      title: `Forum\rATTACH:https://evil.example/title\u0000\u001b\u0085`,
      location: `Leeds\r\nX-LOCATION-INJECTED:1`,
      description: `Line one\r\nLine two${injected}\u0007end`,
      link: 'https://www.example.org/a\rATTACH:https://evil.example/link?q=\u0001x',
    };
    const [issue, ...rest] = archive.issues;
    const meetings = issue!.meetings
      .filter((m) => m.date)
      .slice(0, 1)
      .map((m) => ({ ...m, ...hostile }));
    const site: Archive = {
      config: { ...archive.config, site: { ...archive.config.site, name: 'Site\rX-WR-INJECTED:1' } },
      issues: [{ ...issue!, meetings }, ...rest.map((i) => ({ ...i, meetings: [] }))],
    };
    for (const [path, source] of calendarFiles(site)) {
      const ics = source as string;
      // Every line ends CRLF; no CR or other control character stands anywhere else.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for control characters left
      expect([path, /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(ics.replace(/\r\n/g, ''))]).toEqual([
        path,
        false,
      ]);
      const unfolded = ics.replace(/\r\n[ \t]/g, '');
      expect(unfolded).not.toMatch(/^(ATTACH|X-LOCATION-INJECTED|X-WR-INJECTED|UID:evil)/m);
      const parsed = events(ics);
      expect(parsed.map((e) => e.uid)).toEqual([meetingUid(site.config, issue!.date, meetings[0]!)]);
      const event = parsed[0]!;
      expect(summary(event)).toBe('Forum ATTACH:https://evil.example/title');
      expect(event.location).toBe('Leeds X-LOCATION-INJECTED:1');
      expect(event.description).toBe(`Line one\nLine two${injected.replace(/\r/g, '\n')}end`);
      expect(event.url).toBe('https://www.example.org/aATTACH:https://evil.example/link?q=%01x');
      expect(Object.keys(event).filter((k) => /attach|injected/i.test(k))).toEqual([]);
    }
  });

  test('a meeting link the calendar format cannot hold (a host with _, 200 KB) falls back to the issue page', () => {
    const [issue, ...rest] = archive.issues;
    const [meeting] = issue!.meetings.filter((m) => m.date);
    for (const link of [
      'https://my_host.example.org/meeting',
      `https://www.example.org/${'a@a/'.repeat(50_000)}`,
    ]) {
      const site: Archive = {
        config: archive.config,
        issues: [
          { ...issue!, meetings: [{ ...meeting!, link }] },
          ...rest.map((i) => ({ ...i, meetings: [] })),
        ],
      };
      for (const [path, source] of calendarFiles(site)) {
        const parsed = events(source as string);
        expect({ path, urls: parsed.map((e) => e.url) }).toEqual({ path, urls: [issue!.url] });
      }
    }
  });

  test('"add to Google Calendar" links use the same UTC times', () => {
    const meetings = archive.issues.flatMap((i) => i.meetings);
    const link = (title: string) =>
      new URL(googleCalendarLink(meetings.find((m) => m.title === title)!, archive.config)!);
    const timed = link('System oversight and assurance group');
    expect(timed.origin + timed.pathname).toBe('https://calendar.google.com/calendar/render');
    expect(timed.searchParams.get('action')).toBe('TEMPLATE');
    expect(timed.searchParams.get('dates')).toBe('20180522T083000Z/20180522T103000Z');
    expect(timed.searchParams.get('location')).toBe('White Rose House, Wakefield');
    expect(link('Clinical forum').searchParams.get('dates')).toBe('20180515/20180516');
    expect(googleCalendarLink(meetings.find((m) => !m.date)!, archive.config)).toBeUndefined();
  });
});

test('zonedTimeToUtc follows Europe/London across both 2018 clock changes', () => {
  const utc = (date: string, time: string, zone = 'Europe/London') =>
    zonedTimeToUtc(date, time, zone).toISOString().slice(0, 16);
  expect(utc('2018-03-24', '12:00')).toBe('2018-03-24T12:00'); // GMT
  expect(utc('2018-03-25', '00:30')).toBe('2018-03-25T00:30');
  expect(utc('2018-03-25', '01:30')).toBe('2018-03-25T01:30'); // skipped: read as 02:30 BST
  expect(utc('2018-03-25', '03:00')).toBe('2018-03-25T02:00'); // BST
  expect(utc('2018-10-27', '12:00')).toBe('2018-10-27T11:00'); // BST
  expect(utc('2018-10-28', '01:30')).toBe('2018-10-28T00:30'); // twice: the earlier, BST
  expect(utc('2018-10-28', '02:00')).toBe('2018-10-28T02:00'); // GMT
  expect(utc('2018-10-28', '12:00')).toBe('2018-10-28T12:00');
  expect(utc('2018-05-15', '10:00', 'Asia/Kolkata')).toBe('2018-05-15T04:30');
  expect(utc('2018-03-11', '12:00', 'America/New_York')).toBe('2018-03-11T16:00');
  expect(() => zonedTimeToUtc('2018-5-1', '10:00', 'Europe/London')).toThrow(RangeError);
});
