import { meetingsTitle, programmesOf } from '../src/content/item-tags.js';
import { utcMinute } from '../src/support/dates.js';
import { escapeHtml } from '../src/support/html.js';

describe('small shared helpers', () => {
  test('escapeHtml escapes all five characters, the apostrophe too, and leaves the rest', () => {
    expect(escapeHtml(`<a href="x" title='y'>Fish & chips</a> café`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Fish &amp; chips&lt;/a&gt; café',
    );
  });

  test('utcMinute shows an ISO moment or a Date to the minute, in UTC', () => {
    expect(utcMinute('2026-05-11T09:05:59.999Z')).toBe('2026-05-11 09:05 UTC');
    expect(utcMinute(new Date(Date.UTC(2026, 4, 11, 23, 59, 30)))).toBe('2026-05-11 23:59 UTC');
  });

  test("programmesOf puts a programme item's own programme first, each id once", () => {
    expect(programmesOf({ programme: 'stroke', programmes: ['carers', 'stroke'] })).toEqual([
      'stroke',
      'carers',
    ]);
    expect(programmesOf({ programmes: ['carers', 'carers'] })).toEqual(['carers']);
  });

  test("meetingsTitle is the config's heading, else the long-standing default", () => {
    expect(meetingsTitle({ sections: [{ kind: 'meetings', title: 'Diary' }] })).toBe('Diary');
    expect(meetingsTitle({ sections: [{ kind: 'news', title: 'News' }] })).toBe(
      "What's happening next week?",
    );
  });
});
