import type { ClickLink, ClickStore } from '../../src/analytics/click-store.js';
import type { StoresUnderTest } from './context.js';

const ISSUE = '2026-03-06';
const HOUR = '2026-03-06T10:00:00.000Z';
const links: ClickLink[] = [
  { id: 'aaaaaaaaaa', target: 'https://example.org/one', item: '01-one.md' },
  { id: 'bbbbbbbbbb', target: 'https://example.org/two?a=1&b=2', item: null },
];

/** Click counting (ClickStore): each issue's link table, and clicks appended with no one's identity. */
export function clickContract({ stores: opened, another }: StoresUnderTest): void {
  let stores: { first: ClickStore; second: ClickStore };
  beforeEach(async () => {
    stores = { first: opened().clicks, second: (await another()).clicks };
  });

  test('a link table is found by issue and link id, with how many links its issue has', async () => {
    const { first, second } = stores;
    await first.saveLinks(ISSUE, links);
    expect(await second.link(ISSUE, 'bbbbbbbbbb')).toEqual({ ...links[1], linksInIssue: 2 });
    expect(await second.link(ISSUE, 'cccccccccc')).toBeUndefined();
    expect(await second.link('2026-03-13', 'aaaaaaaaaa')).toBeUndefined();
  });

  test('saving again keeps each link as it was and its place; new links go after', async () => {
    const { first, second } = stores;
    await first.saveLinks(ISSUE, links);
    const moved = { id: 'aaaaaaaaaa', target: 'https://example.org/changed', item: 'other.md' };
    const added = { id: 'cccccccccc', target: 'https://example.org/three', item: '03-three.md' };
    await second.saveLinks(ISSUE, [added, moved]);
    expect((await first.counts(ISSUE)).map((l) => [l.id, l.target])).toEqual([
      ['aaaaaaaaaa', 'https://example.org/one'],
      ['bbbbbbbbbb', 'https://example.org/two?a=1&b=2'],
      ['cccccccccc', 'https://example.org/three'],
    ]);
  });

  test('clicks are counted per link as reader or scanner; every link is listed, clicked or not', async () => {
    const { first, second } = stores;
    await first.saveLinks(ISSUE, links);
    const ids = [
      await first.record({ issue: ISSUE, link: 'aaaaaaaaaa', hour: HOUR, kind: 'reader' }),
      await second.record({ issue: ISSUE, link: 'aaaaaaaaaa', hour: HOUR, kind: 'reader' }),
      await first.record({ issue: ISSUE, link: 'aaaaaaaaaa', hour: HOUR, kind: 'scanner' }),
    ];
    expect(new Set(ids).size).toBe(3);
    expect(await second.counts(ISSUE)).toEqual([
      { ...links[0], readers: 2, scanners: 1 },
      { ...links[1], readers: 0, scanners: 0 },
    ]);
    expect(await second.counts('2026-03-13')).toEqual([]);
  });

  test('relabelling turns the given readers’ clicks into scanners’, and only those', async () => {
    const { first, second } = stores;
    await first.saveLinks(ISSUE, links);
    const a = await first.record({ issue: ISSUE, link: 'aaaaaaaaaa', hour: HOUR, kind: 'reader' });
    const b = await first.record({ issue: ISSUE, link: 'bbbbbbbbbb', hour: HOUR, kind: 'reader' });
    await first.record({ issue: ISSUE, link: 'bbbbbbbbbb', hour: HOUR, kind: 'reader' });
    await second.relabelScanner([a, b]);
    await second.relabelScanner([]);
    expect((await first.counts(ISSUE)).map((l) => [l.readers, l.scanners])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
}
