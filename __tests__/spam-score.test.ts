import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const SPAMASSASSIN = process.env.SPAMASSASSIN_PATH ?? 'spamassassin';

/**
 * Debian's SpamAssassin scores the messages as a receiving server would. Without it this file
 * skips loudly on a developer's machine; under CI it fails, because CI must install it (.ci/run).
 */
function spamassassinAvailable(): boolean {
  const probe = spawnSync(SPAMASSASSIN, ['-V'], { encoding: 'utf8' });
  if (probe.status === 0) return true;
  if (process.env.CI)
    throw new Error(`CI is set but "${SPAMASSASSIN} -V" failed: .ci/run must apt-get install spamassassin.`);
  console.warn(
    `\n*** SKIPPING SPAM SCORE TESTS: no ${SPAMASSASSIN}. Install it with: apt-get install -y spamassassin ***\n`,
  );
  return false;
}

interface Verdict {
  score: number;
  /** The rules that fired with their points, as SpamAssassin's report lists them. */
  rules: string[];
}

/** `spamassassin -L -t`: local tests only (no network), the report appended to the message. */
function scoreMessage(eml: string): Verdict {
  const result = spawnSync(SPAMASSASSIN, ['-L', '-t'], {
    input: eml,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`spamassassin failed (${result.status}): ${result.stderr}`);
  const status = /^X-Spam-Status: \w+, score=(-?[\d.]+)/m.exec(result.stdout);
  if (!status) throw new Error(`no X-Spam-Status in spamassassin's output:\n${result.stdout.slice(0, 2000)}`);
  const report = result.stdout.split(/^Content analysis details:.*$/m)[1] ?? '';
  const rules = report
    .split('\n')
    .filter((line) => /^\s*-?\d+(\.\d+)?\s+[A-Z0-9_]+\s/.test(line))
    .map((line) => line.trim().replace(/\s+/g, ' '));
  return { score: Number(status[1]), rules };
}

const SAMPLE_ISSUES = readdirSync(join(repoRoot, 'bulletins')).filter((name) =>
  /^\d{4}-\d\d-\d\d$/.test(name),
);
const run = spamassassinAvailable() ? describe : describe.skip;

run('SpamAssassin on the real per-recipient messages of every sample issue', () => {
  const site = tempSite();
  const messages = new Map<string, string>();

  beforeAll(() => {
    for (const date of SAMPLE_ISSUES)
      cpSync(join(repoRoot, 'bulletins', date), join(site.root, 'bulletins', date), { recursive: true });
    writeFileSync(join(site.root, 'members.csv'), 'email,name\nann.smith@example.org,Ann Smith\n');
    expect(bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root).status).toBe(0);
    for (const date of SAMPLE_ISSUES) {
      const sent = bulletin(['send', date, '--list', 'weekly', '--force'], site.root, {
        BULLETIN_SECRET: 'spam-test-secret',
      });
      expect(sent).toMatchObject({ status: 0 });
      const file = join(site.root, '.bulletin', 'outbox', date, 'weekly', 'ann.smith@example.org.eml');
      messages.set(date, readFileSync(file, 'utf8'));
    }
  }, 120_000);
  afterAll(() => site.remove());

  test.each(SAMPLE_ISSUES)(
    'the %s message scores 0.0 or less, with no rule adding points',
    (date) => {
      const verdict = scoreMessage(messages.get(date)!);
      const scoring = verdict.rules.filter((rule) => Number(rule.split(' ')[0]) > 0);
      // The failure message names every rule that fired, so the cause is visible in CI's log.
      expect({ date, score: verdict.score, scoring, fired: verdict.rules }).toEqual({
        date,
        score: expect.any(Number),
        scoring: [],
        fired: verdict.rules,
      });
      expect(verdict.score).toBeLessThanOrEqual(0);
    },
    60_000,
  );
});
