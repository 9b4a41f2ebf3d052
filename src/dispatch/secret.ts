import { SetupError } from '../diagnostics/setup-error.js';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE, tighten } from '../support/private-files.js';
import { causeOf, isErrno } from '../support/errors.js';

/** HMAC-SHA256's own block of strength: a key shorter than its output adds guessable bits. */
export const MIN_SECRET_BYTES = 32;

export interface Secrets {
  current: string;
  /** The current secret first, then BULLETIN_SECRET_PREVIOUS (for verifying links made before a rotation). */
  all: string[];
  generated: boolean;
}

/**
 * The key for signed links: BULLETIN_SECRET. Without it, in production, nothing may start; in
 * development a random one is made once and kept in `.bulletin/secret` (with a warning), so links
 * in mail already sent keep working across restarts.
 */
export function loadSecrets(root: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  const previous = env.BULLETIN_SECRET_PREVIOUS ? [env.BULLETIN_SECRET_PREVIOUS] : [];
  if (env.NODE_ENV === 'production') {
    // A short key can be guessed offline from one link in one mailbox; then every link can be forged.
    for (const name of ['BULLETIN_SECRET', 'BULLETIN_SECRET_PREVIOUS'] as const) {
      const bytes = Buffer.byteLength(env[name] ?? '');
      if (bytes > 0 && bytes < MIN_SECRET_BYTES) {
        const how =
          'Make one with `openssl rand -base64 48`, and keep it: links in mail already sent are signed with it.';
        throw new SetupError(
          `${name} is ${bytes} bytes long; in production it must be at least ${MIN_SECRET_BYTES}. ${how}`,
        );
      }
    }
  }
  if (env.BULLETIN_SECRET)
    return { current: env.BULLETIN_SECRET, all: [env.BULLETIN_SECRET, ...previous], generated: false };
  if (env.NODE_ENV === 'production')
    throw new SetupError(
      'BULLETIN_SECRET is not set; in production Bulletin will not sign links with a made-up key. Set it to a long random value (e.g. `openssl rand -base64 48`), and keep it: links in mail already sent are signed with it.',
    );
  const file = join(root, '.bulletin', 'secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) {
      // Kept by an older version, perhaps readable by all: it signs every unsubscribe link.
      tighten(file);
      return { current: kept, all: [kept, ...previous], generated: true };
    }
  } catch (error) {
    // None kept yet: make one below. One that cannot be read must not be replaced: links signed with it live
    // on.
    if (!isErrno(error, 'ENOENT')) {
      throw new SetupError(
        `Cannot read the link-signing key ${file} (${causeOf(error)}); make it a file you may read, or set BULLETIN_SECRET.`,
        { cause: error },
      );
    }
  }
  const made = randomBytes(32).toString('base64url');
  makePrivateDir(join(root, '.bulletin'));
  writeFileSync(file, `${made}\n`, PRIVATE_FILE);
  return { current: made, all: [made, ...previous], generated: true };
}
