import { itemAnchor, itemAnchors } from '../src/render/urls.js';

describe('itemAnchor: the id an item has in the email and on its archive page', () => {
  test('is item- and the slug of the title, unique within the issue for titles that slug alike', () => {
    const items = [
      { title: 'Stroke programme' },
      { title: 'Café opening' },
      { title: 'Stroke  Programme!' },
      { title: 'stroke programme' },
    ];
    expect(items.map((item) => itemAnchor(item, items))).toEqual([
      'item-stroke-programme',
      'item-cafe-opening',
      'item-stroke-programme-2',
      'item-stroke-programme-3',
    ]);
  });

  test('gives the same ids for the same items in the same order, whoever asks', () => {
    const items = [{ title: 'News' }, { title: 'News' }];
    const copy = items.map((item) => ({ ...item }));
    expect([...itemAnchors(items).values()]).toEqual([...itemAnchors(copy).values()]);
    const [, second] = copy as [{ title: string }, { title: string }];
    expect(itemAnchor(second, copy)).toBe('item-news-2');
  });
});
