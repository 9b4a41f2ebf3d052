import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';

export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * The DKIM key for `dispatch.dkim`, from DKIM_PRIVATE_KEY (the PEM itself, for hosts that pass
 * secrets as variables) or the configured file. Checked here, before the first message, so a
 * wrong key fails the send at once instead of mailing thousands of unsigned or badly signed messages.
 */
export function loadDkimKey(root: string, config: Config, env: NodeJS.ProcessEnv = process.env): DkimKey | undefined {
  const dkim = config.dispatch.dkim;
  if (!dkim) {
    if (env.DKIM_PRIVATE_KEY) throw new SetupError('DKIM_PRIVATE_KEY is set but bulletin.config.yaml has no dispatch.dkim (domain and selector); add them, or unset the variable.');
    return undefined;
  }
  let pem = env.DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n');
  let from = 'DKIM_PRIVATE_KEY';
  if (!pem) {
    if (!dkim.privateKeyFile) throw new SetupError('dispatch.dkim is configured but there is no key: set dispatch.dkim.privateKeyFile to a PEM file, or DKIM_PRIVATE_KEY to the PEM itself.');
    const file = resolve(root, dkim.privateKeyFile);
    from = file;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SetupError(`Cannot read the DKIM key ${file} (dispatch.dkim.privateKeyFile): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Point it at the PEM private key for selector "${dkim.selector}".`);
    }
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key; DKIM signs with RSA or Ed25519`);
  } catch (error) {
    throw new SetupError(`The DKIM key from ${from} is not a usable private key (${(error as Error).message}). It should be a PEM block starting "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----".`);
  }
  return { domainName: dkim.domain, keySelector: dkim.selector, privateKey: pem };
}
