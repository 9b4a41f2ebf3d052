import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** `npm run test:update` (UPDATE_GOLDEN=1) rewrites expected files instead of comparing with them. */
export const updatingGolden = Boolean(process.env.UPDATE_GOLDEN);

export function expectGolden(path: string, actual: string): void {
  if (updatingGolden || !existsSync(path)) {
    if (!updatingGolden)
      throw new Error(
        `Missing golden file ${path}; run \`npm run test:update\` to create it, then review it.`,
      );
    writeFileSync(path, actual);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
