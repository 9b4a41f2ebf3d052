import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../content/model.js';
import { signToken } from '../dispatch/tokens.js';
import { siteUrl } from '../render/urls.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function message(
  config: Config,
  to: string,
  subject: string,
  lines: string[],
  link: { href: string; text: string },
): Mail.Options {
  const text = `${lines.join('\n\n')}\n\n${link.text}:\n${link.href}\n\n${config.sender.from.name}\n${config.sender.postalAddress}\n`;
  const html = `<!doctype html><html><body style="font-family:Arial,sans-serif;line-height:1.5;color:#212b32">${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}<p><a href="${escapeHtml(link.href)}" style="display:inline-block;padding:.5em 1em;background:#005eb8;color:#fff;text-decoration:none">${escapeHtml(link.text)}</a></p><p style="color:#4c6272;font-size:.9em">${escapeHtml(config.sender.from.name)}<br>${escapeHtml(config.sender.postalAddress)}</p></body></html>`;
  return {
    from: { name: config.sender.from.name, address: config.sender.from.email },
    ...(config.sender.replyTo ? { replyTo: config.sender.replyTo } : {}),
    to,
    subject,
    text,
    html,
    // Transactional mail, answered by a person's own action: no List-Unsubscribe, and auto-replies stay quiet.
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
