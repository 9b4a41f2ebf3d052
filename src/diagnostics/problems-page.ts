import { allCodes, explain } from './explain.js';

/**
 * docs/problems.md, written from the catalogue (`npm run docs`): a test compares the committed
 * page with this, so the page cannot drift from the messages Bulletin really prints.
 */
export function problemsPage(): string {
  const lines = [
    '# Problem codes',
    '',
    '<!-- Generated from src/diagnostics/catalogue/ by `npm run docs`; do not edit by hand. -->',
    '',
    'Every problem `bulletin check` reports carries one of these codes (also in `check --json`).',
    'Codes are never renamed. `bulletin explain CODE` prints one entry.',
    '',
    '| Code | Severity | What it means |',
    '| --- | --- | --- |',
    ...allCodes.map(
      (code) => `| [\`${code}\`](#${code}) | ${explain(code).severity} | ${explain(code).means} |`,
    ),
    '',
  ];
  for (const code of allCodes) {
    const { severity, means, fix, example } = explain(code);
    lines.push(
      `## ${code}`,
      '',
      `*${severity}*. ${means}`,
      '',
      `**How to fix it:** ${fix}`,
      '',
      'Example:',
      '',
    );
    lines.push(
      '```text',
      `${severity}: ${example.message}`,
      ...(example.hint ? [`hint: ${example.hint}`] : []),
    );
    lines.push('```', '');
  }
  return lines.join('\n');
}
