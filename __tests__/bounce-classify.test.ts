import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyMessage } from '../src/bounces/classify/index.js';
import type { BounceReport } from '../src/bounces/report.js';
import { repoRoot } from './helpers/cli.js';

/**
 * Every notice in __tests__/fixtures/bounces/<mta>/ against its folder's expected.json: the
 * format, each recipient's address, status and verdict, and (where given) the VERP tokens and the
 * bounced message's id. The agreement per MTA is printed at the end (the closing note).
 */
interface Expected {
  format: BounceReport['format'];
  tokens?: string[];
  originalMessageId?: string;
  recipients: { address: string; status?: string; verdict: string }[];
}

const fixtures = join(repoRoot, '__tests__', 'fixtures', 'bounces');
const folders = readdirSync(fixtures, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const cases = folders.flatMap((mta) => {
  const expected = JSON.parse(readFileSync(join(fixtures, mta, 'expected.json'), 'utf8')) as Record<
    string,
    Expected
  >;
  const files = readdirSync(join(fixtures, mta)).filter((name) => name.endsWith('.eml'));
  return files.sort().map((file) => ({ mta, file, expected: expected[file] }));
});
const agreement = new Map<string, { agree: number; total: number }>();

function asExpected(report: BounceReport, expected: Expected): Expected {
  return {
    format: report.format,
    ...(expected.tokens ? { tokens: report.bounceTokens } : {}),
    ...(expected.originalMessageId ? { originalMessageId: report.originalMessageId as string } : {}),
    recipients: report.recipients.map((r) => ({
      address: r.address,
      ...(r.status ? { status: r.status } : {}),
      verdict: r.verdict,
    })),
  };
}

afterAll(() => {
  const rows = [...agreement].map(([mta, { agree, total }]) => `${mta.padEnd(12)} ${agree}/${total}`);
  const all = [...agreement.values()].reduce(
    (sum, a) => ({ agree: sum.agree + a.agree, total: sum.total + a.total }),
    {
      agree: 0,
      total: 0,
    },
  );
  const total = `${'all'.padEnd(12)} ${all.agree}/${all.total}`;
  console.log(`Classifier agreement with the expected verdicts, per MTA:\n${rows.join('\n')}\n${total}`);
});

describe('every fixture notice classifies as its expected.json says', () => {
  test('the fixture folder holds at least 40 notices from at least 10 MTAs, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.mta)).size).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => !c.expected).map((c) => `${c.mta}/${c.file}`)).toEqual([]);
  });

  test.each(cases)('$mta: $file', async ({ mta, file, expected }) => {
    const report = await classifyMessage(readFileSync(join(fixtures, mta, file)));
    const tally = agreement.get(mta) ?? { agree: 0, total: 0 };
    agreement.set(mta, tally);
    tally.total += 1;
    const actual = asExpected(report, expected as Expected);
    if (JSON.stringify(actual) === JSON.stringify(expected)) tally.agree += 1;
    expect(actual).toEqual(expected);
  });
});
