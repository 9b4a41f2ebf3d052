import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../content/model.js';
import { SetupError } from '../diagnostics/setup-error.js';
import { assertDkimAligned } from './dkim-alignment.js';
import { dkimSelector } from './dkim-names.js';

export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
  /** Said to the operator, not fatal: a key that works today but is weaker than receivers now expect. */
  warnings: string[];
}

/** Receivers ignore RSA signatures from shorter keys (RFC 8301), so a send would go out as unsigned. */
const MINIMUM_RSA_BITS = 1024;
/** What Gmail and RFC 8301 recommend; 1024 still verifies, for now. */
const RECOMMENDED_RSA_BITS = 2048;

/**
 * The DKIM key for `dispatch.dkim`, from DKIM_PRIVATE_KEY (the PEM itself, for hosts that pass
 * secrets as variables) or the configured file. Checked here, before the first message, so a
 * wrong key, one too short to count, or a domain DMARC would not accept fails the send at once
 * instead of mailing thousands of unsigned or badly signed messages.
 */
export function loadDkimKey(
  root: string,
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): DkimKey | undefined {
  const dkim = config.dispatch.dkim;
  if (!dkim) {
    if (env.DKIM_PRIVATE_KEY)
      throw new SetupError(
        'DKIM_PRIVATE_KEY is set but bulletin.config.yaml has no dispatch.dkim (domain and selector); add them, or unset the variable.',
      );
    return undefined;
  }
  const domainName = assertDkimAligned(config, dkim.domain);
  const keySelector = dkimSelector(dkim.selector, domainName);
  let pem = env.DKIM_PRIVATE_KEY?.replace(/\\n/g, '\n');
  let from = 'DKIM_PRIVATE_KEY';
  if (!pem) {
    if (!dkim.privateKeyFile)
      throw new SetupError(
        'dispatch.dkim is configured but there is no key: set dispatch.dkim.privateKeyFile to a PEM file, or DKIM_PRIVATE_KEY to the PEM itself.',
      );
    const file = resolve(root, dkim.privateKeyFile);
    from = file;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new SetupError(
        `Cannot read the DKIM key ${file} (dispatch.dkim.privateKeyFile): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Point it at the PEM private key for selector "${keySelector}".`,
        { cause: error },
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519')
      throw new Error(`a ${key.asymmetricKeyType} key; DKIM signs with RSA or Ed25519`);
  } catch (error) {
    throw new SetupError(
      `The DKIM key from ${from} is not a usable private key (${(error as Error).message}). It should be a PEM block starting "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----".`,
    );
  }
  const warnings: string[] = [];
  const bits = key.asymmetricKeyDetails?.modulusLength;
  const makeOne =
    `Make a ${RECOMMENDED_RSA_BITS}-bit key (openssl genpkey -algorithm RSA -pkeyopt ` +
    `rsa_keygen_bits:${RECOMMENDED_RSA_BITS}) and publish its public half at ` +
    `${keySelector}._domainkey.${domainName}`;
  if (key.asymmetricKeyType === 'rsa' && bits !== undefined && bits < MINIMUM_RSA_BITS) {
    throw new SetupError(
      `The DKIM key from ${from} is ${bits} bits; receivers ignore signatures made with RSA keys under ` +
        `${MINIMUM_RSA_BITS} bits (RFC 8301), so every message would count as unsigned. ${makeOne}.`,
    );
  }
  if (key.asymmetricKeyType === 'rsa' && bits !== undefined && bits < RECOMMENDED_RSA_BITS) {
    warnings.push(
      `warning: the DKIM key from ${from} is ${bits} bits; ${RECOMMENDED_RSA_BITS} is what receivers now expect, ` +
        `and shorter keys are being phased out. ${makeOne} when you next rotate.`,
    );
  }
  return { domainName, keySelector, privateKey: pem, warnings };
}
