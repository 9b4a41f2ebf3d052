import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyMessage } from '../src/bounces/classify/index.js';
import { repoRoot } from './helpers/cli.js';

/**
 * A second corpus, written by a developer who had not read the classifier: 30 notices of real MTAs
 * and providers with the verdict a person reading them gives. It measures the classifier against
 * judgement made apart from it (the main fixtures were written alongside it).
 */
const DIR = join(repoRoot, '__tests__', 'fixtures', 'bounces-blind');

interface Expected {
  mta: string;
  recipients: { address: string; status?: string; verdict: string }[];
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

test.each(Object.entries(expected))('%s', async (file, want) => {
  const report = await classifyMessage(readFileSync(join(DIR, file)));
  expect(report.bounceTokens).toHaveLength(1);
  expect(report.recipients.map((r) => r.verdict)).toEqual(want.recipients.map((r) => r.verdict));
  // The address matters where something is done about it; a delay warning acts on nobody.
  for (const [i, recipient] of want.recipients.entries())
    if (recipient.verdict !== 'unknown') expect(report.recipients[i]?.address).toBe(recipient.address);
});
