import { copyDatabase } from '../../store/copy.js';
import { EXIT_OK } from '../exit.js';
import { printJson, say } from '../io.js';

/** `bulletin db copy`: the work is store/copy.ts; this says what was copied. */
export async function dbCopyCommand(
  root: string,
  options: { from: string; to: string; json?: boolean },
): Promise<number> {
  const report = await copyDatabase(options.from, options.to, root);
  const total = report.tables.reduce((sum, { rows }) => sum + rows, 0);
  say(`Copied ${report.from} to ${report.to}: ${total} rows, every table's count verified.`);
  for (const { table, rows } of report.tables) say(`  ${table.padEnd(14)} ${rows}`);
  say(`Point BULLETIN_DATABASE (or \`database\` in bulletin.config.yaml) at ${report.to} to use it.`);
  if (options.json) printJson({ ok: true, ...report });
  return EXIT_OK;
}
