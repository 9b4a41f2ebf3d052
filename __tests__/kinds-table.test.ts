/**
 * The kinds table (src/content/kinds/) is the one place a kind is described: each entry's
 * skeleton must be valid content for its own schema, or `bulletin add` would write a file that
 * `bulletin check` rejects.
 */
import { splitFrontMatter } from '../src/content/front-matter.js';
import { calendarSection, isProse, itemKinds, kinds, kindSpec } from '../src/content/kinds/index.js';
import { validateFrontMatter } from '../src/content/validate.js';
import { sourceText } from '../src/diagnostics/source-text.js';

test.each(itemKinds)('the skeleton of kind %s is valid front matter of its own kind', (kind) => {
  const spec = kindSpec(kind);
  const text = spec.skeleton({ title: 'A title', date: '2018-05-11', programme: 'stroke' });
  const split = splitFrontMatter(sourceText(`${kind}.md`, text));
  expect(split.problems).toEqual([]);
  const validated = validateFrontMatter(split.file, spec.schema);
  expect(validated.problems).toEqual([]);
  expect(validated.value).toMatchObject({ kind });
});

test('every kind is shown as prose or in the calendar, and the calendar takes its title from its section', () => {
  expect(itemKinds.filter(isProse)).toEqual(['network', 'programme', 'news']);
  const sections = [
    { kind: 'news', title: 'News' },
    { kind: kinds.meetings.kind, title: 'Soon' },
  ];
  expect(calendarSection(sections)).toEqual({ kind: 'meetings', title: 'Soon' });
  expect(calendarSection([{ kind: 'news', title: 'News' }])).toBeUndefined();
});
