import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Config } from '../../content/model.js';
import { SetupError } from '../../diagnostics/setup-error.js';
import type { WebhookProvider } from './common.js';
import { mailgunProvider } from './mailgun.js';
import { postmarkProvider } from './postmark.js';
import { sendgridProvider } from './sendgrid.js';
import { sesProvider } from './ses.js';
import { snsTestOrigin } from './sns.js';

export type { WebhookProvider, WebhookRequest, WebhookResult } from './common.js';
export { WebhookRefusal } from './common.js';
export { SeenDeliveries } from './seen.js';

/**
 * The providers `dispatch.bounces.webhooks` turns on, each with its key from the environment. A
 * provider turned on without its key stops the service at start (a webhook that accepts anything,
 * or refuses everything, would be worse than none).
 */
export function webhookProviders(config: Config, env: NodeJS.ProcessEnv): WebhookProvider[] {
  const settings = config.dispatch.bounces.webhooks;
  const providers: WebhookProvider[] = [];
  if (settings.sesTopics.length) {
    let testOrigin: string | undefined;
    if (env.BULLETIN_TEST_SNS_ORIGIN && env.NODE_ENV === 'production')
      throw new SetupError(
        'BULLETIN_TEST_SNS_ORIGIN is for tests only, and NODE_ENV is production; unset it.',
      );
    try {
      testOrigin = snsTestOrigin(env.BULLETIN_TEST_SNS_ORIGIN);
    } catch (error) {
      throw new SetupError(`BULLETIN_TEST_SNS_ORIGIN: ${(error as Error).message}; unset it.`, {
        cause: error,
      });
    }
    providers.push(sesProvider({ topics: settings.sesTopics, ...(testOrigin ? { testOrigin } : {}) }));
  }
  if (settings.postmark) {
    const user = env.BULLETIN_POSTMARK_WEBHOOK_USER;
    const password = env.BULLETIN_POSTMARK_WEBHOOK_PASSWORD;
    if (!user || !password)
      throw new SetupError(
        'dispatch.bounces.webhooks.postmark is on, but BULLETIN_POSTMARK_WEBHOOK_USER or BULLETIN_POSTMARK_WEBHOOK_PASSWORD is not set; set both to the basic auth credentials in the webhook URL given to Postmark.',
      );
    providers.push(postmarkProvider({ user, password }));
  }
  if (settings.mailgun) {
    const key = env.BULLETIN_MAILGUN_SIGNING_KEY;
    if (!key)
      throw new SetupError(
        'dispatch.bounces.webhooks.mailgun is on, but BULLETIN_MAILGUN_SIGNING_KEY is not set; set it to the HTTP webhook signing key from Mailgun.',
      );
    providers.push(mailgunProvider(key));
  }
  if (settings.sendgrid) providers.push(sendgridProvider(sendgridKey(env.BULLETIN_SENDGRID_PUBLIC_KEY)));
  return providers;
}

/** SendGrid's verification key: PEM, or the base64 DER (SubjectPublicKeyInfo) its dashboard shows. */
function sendgridKey(value: string | undefined): KeyObject {
  if (!value)
    throw new SetupError(
      'dispatch.bounces.webhooks.sendgrid is on, but BULLETIN_SENDGRID_PUBLIC_KEY is not set; set it to the verification key of the signed Event Webhook.',
    );
  let key: KeyObject;
  try {
    key = value.includes('-----BEGIN')
      ? createPublicKey(value)
      : createPublicKey({
          key: Buffer.from(value.replace(/\s+/g, ''), 'base64'),
          format: 'der',
          type: 'spki',
        });
  } catch (error) {
    throw new SetupError(
      `BULLETIN_SENDGRID_PUBLIC_KEY is not a public key (${(error as Error).message}); copy the verification key again from SendGrid.`,
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new SetupError(
      'BULLETIN_SENDGRID_PUBLIC_KEY is not an ECDSA P-256 key; copy the verification key again from SendGrid.',
    );
  return key;
}
