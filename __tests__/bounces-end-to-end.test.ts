import { appendFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bulletin, repoRoot, spawnBulletin } from './helpers/cli.js';
import { appendMessages, dovecotAvailable, mailboxUrl, mailServer } from './helpers/dovecot.js';
import { tempSite } from './helpers/site.js';
import { startSmtpServer } from './helpers/smtp.js';

/**
 * The whole loop as it runs for real: `bulletin send` through an SMTP server with VERP on, the
 * receiving side's bounces and complaint mailed back to the bounce mailbox (a real Dovecot, by IMAP
 * APPEND), `bulletin bounces fetch`, and the ledger, the suppressions and `bulletin status` agreeing.
 */

const ISSUE = '2018-05-11';
const SECRET = 'bounces-end-to-end';
const READERS = [
  'ann@example.org',
  'bob@example.org',
  'cy@example.org',
  'dee@example.org',
  'eve@example.org',
];

const describeImap = dovecotAvailable() ? describe : describe.skip;

function dsn(id: string, to: string, recipient: string, status: string, diagnostic: string): string {
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.org>',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    `Message-ID: <${id}@mx.example.org>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.org. Your message could not be delivered.',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.org',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    `Return-Path: <${to}>`,
    'From: WY&H Partnership Communications <bulletin@wyhpartnership.example>',
    `To: ${recipient}`,
    'Subject: The weekly bulletin',
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

function arf(id: string, to: string, recipient: string): string {
  return [
    'From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.example>',
    `To: ${to}`,
    'Subject: FW: The weekly bulletin',
    'Date: Tue, 01 Dec 2026 11:00:00 +0000',
    `Message-ID: <${id}@arf.mail.yahoo.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"',
    '',
    '--b2',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1.',
    '',
    '--b2',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: Yahoo!-Mail-Feedback/2.0',
    'Version: 1',
    `Original-Mail-From: <${to}>`,
    `Original-Rcpt-To: <${recipient}>`,
    '',
    '--b2',
    'Content-Type: text/rfc822-headers',
    '',
    `Return-Path: <${to}>`,
    'From: WY&H Partnership Communications <bulletin@wyhpartnership.example>',
    `To: ${recipient}`,
    'Subject: The weekly bulletin',
    '',
    '--b2--',
    '',
  ].join('\r\n');
}

describeImap('a send, its bounces and a complaint, read back from the bounce mailbox', () => {
  test('hard, soft and complaint act once; a forged report and an auto-reply act on nobody', async () => {
    const server = await mailServer();
    const site = tempSite();
    try {
      cpSync(join(repoRoot, 'bulletins', ISSUE), join(site.root, 'bulletins', ISSUE), { recursive: true });
      writeFileSync(join(site.root, 'members.csv'), `email\n${READERS.join('\n')}\n`);
      expect(bulletin(['subscribers', 'import', 'members.csv', '--list', 'weekly'], site.root).status).toBe(
        0,
      );
      appendFileSync(
        join(site.root, 'bulletin.config.yaml'),
        [
          '\ndispatch:',
          '  bounces:',
          '    address: bounces@wyhpartnership.example',
          '    imap:',
          `      url: ${mailboxUrl(server)}`,
          '      folder: EndToEnd',
          '',
        ].join('\n'),
      );
      const env = { BULLETIN_SECRET: SECRET, BULLETIN_BOUNCES_IMAP_PASSWORD: server.password };

      const smtp = await startSmtpServer();
      let bounceAddress: Record<string, string>;
      try {
        const sent = await spawnBulletin(['send', ISSUE, '--list', 'weekly', '--force'], site.root, {
          ...env,
          SMTP_URL: smtp.url,
        }).done;
        expect(sent.status).toBe(0);
        bounceAddress = Object.fromEntries(smtp.received.map((r) => [r.to[0]!, r.from]));
      } finally {
        await smtp.close();
      }
      expect(Object.keys(bounceAddress).sort()).toEqual(READERS);

      await appendMessages(server, 'EndToEnd', [
        dsn('hard', bounceAddress['ann@example.org']!, 'ann@example.org', '5.1.1', '550 5.1.1 user unknown'),
        dsn('soft', bounceAddress['bob@example.org']!, 'bob@example.org', '4.2.2', '452 4.2.2 mailbox full'),
        arf('complaint', bounceAddress['cy@example.org']!, 'cy@example.org'),
        // Forged: names a subscriber, but carries no token we signed.
        dsn('forged', 'bounces@wyhpartnership.example', 'dee@example.org', '5.1.1', '550 5.1.1 user unknown'),
        [
          'From: Eve <eve@example.org>',
          `To: ${bounceAddress['eve@example.org']}`,
          'Subject: Out of office: The weekly bulletin',
          'Auto-Submitted: auto-replied',
          'Message-ID: <ooo@example.org>',
          '',
          'I am away until Monday.',
          '',
        ].join('\r\n'),
      ]);

      const fetched = bulletin(['bounces', 'fetch', '--json'], site.root, env);
      expect(fetched.status).toBe(0);
      expect(JSON.parse(fetched.stdout)).toMatchObject({ read: 5, handled: 5, failed: 0 });
      expect(fetched.stderr).toMatch(/forged@mx\.example\.org.*skipped dee@example\.org/);

      const afterFirst = bulletin(['status', ISSUE, '--json'], site.root);
      const weekly = () =>
        (
          JSON.parse(bulletin(['status', ISSUE, '--json'], site.root).stdout) as {
            deliverability: { list: string }[];
          }
        ).deliverability.find((row) => row.list === 'weekly');
      expect(afterFirst.status).toBe(0);
      expect(weekly()).toMatchObject({ sent: 5, delivered: 3, hard: 1, soft: 1, complaints: 1 });

      const statusOf = Object.fromEntries(
        bulletin(['subscribers', 'export'], site.root)
          .stdout.trim()
          .split('\n')
          .slice(1)
          .map((line) => [line.split(',')[0], line]),
      );
      expect(statusOf['ann@example.org']).toMatch(/,weekly,bounced,.*5\.1\.1/);
      expect(statusOf['cy@example.org']).toMatch(/,weekly,complained,/);
      // One soft bounce is counted, not acted on (softLimit 3); the forged report and the auto-reply change nothing.
      for (const reader of ['bob@example.org', 'dee@example.org', 'eve@example.org'])
        expect(statusOf[reader]).toMatch(/,weekly,subscribed,/);

      // Read again (the messages were moved) and mailed again (a relay retrying): counted once.
      expect(JSON.parse(bulletin(['bounces', 'fetch', '--json'], site.root, env).stdout)).toMatchObject({
        read: 0,
      });
      await appendMessages(server, 'EndToEnd', [
        dsn('hard', bounceAddress['ann@example.org']!, 'ann@example.org', '5.1.1', '550 5.1.1 user unknown'),
      ]);
      const again = bulletin(['bounces', 'fetch', '--json'], site.root, env);
      expect(JSON.parse(again.stdout)).toMatchObject({ read: 1, handled: 1 });
      expect(again.stderr).toContain('duplicate');
      expect(weekly()).toMatchObject({ sent: 5, delivered: 3, hard: 1, soft: 1, complaints: 1 });
    } finally {
      site.remove();
    }
  }, 60_000);
});
