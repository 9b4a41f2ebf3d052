import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import { signToken } from '../dispatch/tokens.js';
import { palette } from '../render/palette.js';
import { siteUrl } from '../render/urls.js';
import { packageRoot } from '../support/package-root.js';

/**
 * The service's two mails share one layout, in `templates/service-mail/` beside the bulletin's:
 * Bulletin's own, not a site's copy of `templates/` (a copy made before they existed lacks them).
 * Compiled on first use, once. Every value reaches them as data, never as template source.
 */
let compiled: { html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate } | undefined;

function templates(): NonNullable<typeof compiled> {
  if (!compiled) {
    const env = Handlebars.create();
    const source = (name: string) =>
      readFileSync(join(packageRoot, 'templates', 'service-mail', name), 'utf8');
    compiled = {
      html: env.compile(source('message.html.hbs'), { strict: true }),
      // The text part is not HTML: nothing in it is escaped.
      text: env.compile(source('message.txt.hbs'), { strict: true, noEscape: true }),
    };
  }
  return compiled;
}

function message(
  config: Config,
  to: string,
  subject: string,
  lines: string[],
  link: { href: string; text: string },
): Mail.Options {
  const view = {
    palette,
    lines,
    link,
    sender: { name: config.sender.from.name, postalAddress: config.sender.postalAddress },
  };
  const text = templates().text(view);
  const html = templates().html(view);
  return {
    from: { name: config.sender.from.name, address: config.sender.from.email },
    ...(config.sender.replyTo ? { replyTo: config.sender.replyTo } : {}),
    to,
    subject,
    text,
    html,
    // Transactional mail, answered by a person's own action: no List-Unsubscribe, and auto-replies stay
    // quiet.
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

/** The double opt-in email: one link, to a page whose button confirms. */
export function confirmationMessage(
  config: Config,
  secret: string,
  to: string,
  nonce: string,
  now = Date.now(),
): Mail.Options {
  const token = signToken(secret, {
    purpose: 'confirm',
    email: to,
    list: '*',
    issuedAt: Math.floor(now / 1000),
    nonce,
  });
  return message(
    config,
    to,
    `Confirm your subscription to the ${config.site.name} bulletin`,
    [
      `Someone, probably you, asked to subscribe ${to} to the ${config.site.name} bulletin.`,
      `To start getting it, open the link below and press the button. The link works for ${config.service.confirmDays} days.`,
      'If you did not ask for this, ignore this email: you will not be subscribed, and we will not write again.',
    ],
    { href: siteUrl(config, `confirm?token=${token}`), text: 'Confirm my subscription' },
  );
}

/**
 * Sent instead of a confirmation when the address already gets every list it asked for: the
 * page said the same either way, so only the mailbox's owner learns which it was.
 */
export function alreadySubscribedMessage(
  config: Config,
  secret: string,
  to: string,
  list: string,
  now = Date.now(),
): Mail.Options {
  const token = signToken(secret, {
    purpose: 'preferences',
    email: to,
    list,
    issuedAt: Math.floor(now / 1000),
  });
  return message(
    config,
    to,
    `You already get the ${config.site.name} bulletin`,
    [
      `Someone, probably you, asked to subscribe ${to} to the ${config.site.name} bulletin. This address already gets it, so nothing has changed.`,
      'You can choose which lists you get, or leave, here:',
    ],
    { href: siteUrl(config, `preferences?token=${token}`), text: 'Manage my subscription' },
  );
}
