import { verdictFor } from '../src/bounces/classify/verdict.js';
import { bestStatus } from '../src/bounces/classify/status-code.js';

/**
 * The verdict rule on its own, over replies real servers give (as Diagnostic-Code or in a notice):
 * the status code first, the words where the code is too vague, the reply code last.
 */
const cases: [string, string | undefined, string, string][] = [
  // [what, Status field, remote words, verdict]
  [
    'Gmail no such user',
    '5.1.1',
    '550-5.1.1 The email account that you tried to reach does not exist.',
    'hard',
  ],
  [
    'Gmail over quota (temporary)',
    '4.2.2',
    '452-4.2.2 The email account that you tried to reach is over quota.',
    'soft',
  ],
  [
    'Gmail rate',
    '4.2.1',
    '450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents',
    'soft',
  ],
  ['Gmail spam rate', undefined, '421-4.7.28 Gmail has detected an unusual rate of unsolicited mail', 'soft'],
  [
    'Spamhaus listing',
    '5.7.1',
    '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
    'soft',
  ],
  // A refusal of us (block list, spam, our IP) under an address code: soft, or a provider's block
  // for a day would suppress every reader there.
  ['sender refused under 5.1.0', '5.1.0', '550 5.1.0 Sender address rejected: blocked by policy', 'soft'],
  ['spam under 5.2.1', '5.2.1', '550 5.2.1 Message rejected due to spam content', 'soft'],
  [
    'RBL under 5.2.1',
    '5.2.1',
    '550 5.2.1 Mailbox unavailable. Your IP 192.0.2.1 is blacklisted using RBL',
    'soft',
  ],
  ['abuse under 5.2.1', '5.2.1', '521 5.2.1 (CON:B1) Connection refused due to abuse', 'soft'],
  ['IP block under 5.4.1', '5.4.1', '550 5.4.1 Access denied. [sending IP is blocked]', 'soft'],
  [
    'IP block, reply code only',
    undefined,
    '550 Requested action not taken: mailbox unavailable (IP blocked)',
    'soft',
  ],
  ['relay denied', '5.7.1', '554 5.7.1 <a@example.org>: Relay access denied', 'soft'],
  ['policy says unknown user', '5.7.1', '550 5.7.1 Unknown user', 'hard'],
  ['M365 DBEB', '5.4.1', '550 5.4.1 Recipient address rejected: Access denied. AS(201806281)', 'hard'],
  ['M365 banned IP', '5.7.606', '550 5.7.606 Access denied, banned sending IP [192.0.2.1]', 'soft'],
  [
    'M365 DMARC',
    '5.7.509',
    '550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification',
    'soft',
  ],
  ['M365 account disabled', '5.7.13', '550 5.7.13 user account is disabled', 'hard'],
  [
    'Yahoo deferral',
    undefined,
    '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints',
    'soft',
  ],
  [
    'Yahoo disabled',
    undefined,
    '554 delivery error: dd This account has been disabled or discontinued [#102]',
    'hard',
  ],
  ['AOL address rejected', undefined, '550 #5.1.0 Address rejected a@aol.com', 'hard'],
  ['5.3.0 no such user', '5.3.0', '553 5.3.0 <a@example.org>... No such user here', 'hard'],
  ['5.3.4 too big', '5.3.4', '552 5.3.4 Message size exceeds fixed limit', 'soft'],
  ['bare mailbox unavailable', undefined, '550 Requested action not taken: mailbox unavailable', 'hard'],
  ['user not found, no code', undefined, '550 User not found', 'hard'],
  ['not local', undefined, '551 User not local; please try <b@example.net>', 'hard'],
  [
    'unverified, temporary',
    '4.1.1',
    '450 4.1.1 <a@example.org>: Recipient address rejected: unverified address',
    'soft',
  ],
  ['content filter', '5.7.1', '554 5.7.1 Message rejected as spam by Content Filtering.', 'soft'],
  [
    'sender address rejected',
    '5.1.8',
    '553 5.1.8 <bounces@example.com>: Sender address rejected: Domain not found',
    'soft',
  ],
  ['expired', '5.4.7', '554 5.4.7 [internal] exceeded max time without delivery', 'soft'],
  ['null MX', '5.1.10', '556 5.1.10 Recipient address has null MX', 'hard'],
  ['bare 554', undefined, '554 Transaction failed', 'soft'],
  ['nothing readable', undefined, 'something odd happened', 'unknown'],
];

test.each(cases.map(([what, status, words, verdict]) => ({ what, status, words, verdict })))(
  '$what -> $verdict',
  ({ status, words, verdict }) => {
    expect(verdictFor({ status: bestStatus(status, words), diagnostic: words })).toBe(verdict);
  },
);

test.each([
  ['delivered', '2.0.0', 'delivered'],
  ['relayed', '2.0.0', 'delivered'],
  ['delayed', '4.4.1', 'unknown'],
])('Action: %s -> %s', (action, status, verdict) => {
  expect(verdictFor({ action, status })).toBe(verdict);
});
