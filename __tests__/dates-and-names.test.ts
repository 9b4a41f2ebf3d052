import { nextWeek } from '../src/checks/issue-checks.js';
import { comingFriday } from '../src/cli/select-dates.js';
import { slug } from '../src/content/scaffold.js';
import { didYouMean } from '../src/diagnostics/suggest.js';
import { dayLabel, longDate } from '../src/support/dates.js';

test('next week runs from the day after the issue to the Sunday of the following week', () => {
  expect(nextWeek('2018-05-11')).toEqual({ from: '2018-05-12', to: '2018-05-20' }); // Friday
  expect(nextWeek('2018-05-14')).toEqual({ from: '2018-05-15', to: '2018-05-27' }); // Monday
  expect(nextWeek('2018-05-13')).toEqual({ from: '2018-05-14', to: '2018-05-20' }); // Sunday
  expect(nextWeek('2018-12-28')).toEqual({ from: '2018-12-29', to: '2019-01-06' }); // across a year
});

test('the coming Friday is the first Friday after today', () => {
  expect(comingFriday('2018-05-07')).toBe('2018-05-11'); // Monday
  expect(comingFriday('2018-05-10')).toBe('2018-05-11'); // Thursday
  expect(comingFriday('2018-05-11')).toBe('2018-05-18'); // Friday: next week's
  expect(comingFriday('2018-05-12')).toBe('2018-05-18'); // Saturday
});

test('dates read the British way', () => {
  expect(longDate('2018-05-11')).toBe('Friday 11 May 2018');
  expect(dayLabel('2018-05-15')).toBe('Tuesday 15 May');
});

test('did-you-mean suggests near misses and nothing for unrelated words', () => {
  expect(didYouMean('programe', ['programme', 'programmes', 'places'])).toBe('programme');
  expect(didYouMean('Calderdale', ['calderdale', 'leeds'])).toBe('calderdale');
  expect(didYouMean('strok', ['stroke', 'cancer'])).toBe('stroke');
  expect(didYouMean('banana', ['stroke', 'cancer'])).toBeUndefined();
});

test('file names from titles are short ASCII slugs', () => {
  expect(slug('Café society: a “new” approach!')).toBe('cafe-society-a-new-approach');
  expect(slug('???')).toBe('item');
  expect(slug('x'.repeat(80)).length).toBeLessThanOrEqual(50);
});
