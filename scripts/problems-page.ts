/** Writes docs/problems.md from the problem catalogue: `npm run docs`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { problemsPage } from '../src/diagnostics/problems-page.js';
import { packageRoot } from '../src/support/package-root.js';

const target = join(packageRoot, 'docs', 'problems.md');
mkdirSync(join(packageRoot, 'docs'), { recursive: true });
writeFileSync(target, problemsPage());
process.stderr.write(`Wrote ${target}\n`);
