/**
 * Delivery status notifications as a relay sends them back (RFC 3464: multipart/report with a
 * message/delivery-status part and the original's headers), for putting in the test bounce mailbox.
 */

export interface DsnOptions {
  /** Makes the Message-ID (`<dsn-NAME@mx.example.net>`) and the bounced recipient unique. */
  name: string;
  /** The enhanced status code (5.1.1 hard, 4.2.2 soft). */
  status?: string;
  /** Bytes of quoted original body to add, for a message over the size limit. */
  padding?: number;
}

export function dsnMessage({ name, status = '5.1.1', padding = 0 }: DsnOptions): string {
  const recipient = `${name}@example.net`;
  const boundary = `dsn-boundary-${name}`;
  const action = status.startsWith('5') ? 'failed' : 'delayed';
  const filler = padding > 0 ? `\r\n${'x'.repeat(76)}\r\n`.repeat(Math.ceil(padding / 78)) : '';
  return [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: bounces+token@bulletin.example.org',
    `Subject: Undelivered Mail Returned to Sender (${name})`,
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    `Message-ID: <dsn-${name}@mx.example.net>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `I'm sorry to have to inform you that your message could not be delivered to ${recipient}.`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; 550 ${status} <${recipient}>: Recipient address rejected`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    'From: Bulletin <news@bulletin.example.org>',
    `To: ${recipient}`,
    'Subject: The weekly bulletin',
    `Message-ID: <issue-${name}@bulletin.example.org>${filler}`,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
