/**
 * Every SQL statement of the SQLite stores, by name, one object per store: the one place to read
 * what Bulletin asks of the database. (The send ledger's are in ledger.ts until it moves here.)
 */

const MEMBER = 'subscribers s JOIN memberships m ON m.subscriber_id = s.id';
const NOT_SUPPRESSED = 'NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = s.email)';
/** The evidence of the consent-log entry that gave a membership its current status (the newest such). */
const STATUS_EVIDENCE = `(SELECT c.evidence FROM consent_log c
                           WHERE c.subscriber_id = s.id AND c.status = m.status
                             AND (c.list_id = m.list_id OR c.list_id IS NULL)
                           ORDER BY c.id DESC LIMIT 1) AS statusEvidence`;

export const SUBSCRIBERS = {
  membership: `SELECT s.id, m.status FROM ${MEMBER} WHERE s.email = ? AND m.list_id = ?`,
  existing: `SELECT s.id, s.name, s.attributes, m.status
               FROM subscribers s LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = ?
              WHERE s.email = ?`,
  idOf: 'SELECT id FROM subscribers WHERE email = ?',
  emailOf: 'SELECT email FROM subscribers WHERE id = ?',
  insertSubscriber: 'INSERT INTO subscribers (email, name, attributes, created_at) VALUES (?, ?, ?, ?)',
  updateSubscriber: 'UPDATE subscribers SET name = ?, attributes = ? WHERE id = ?',
  rename: 'UPDATE subscribers SET name = ? WHERE id = ?',
  insertMembership: `INSERT INTO memberships (subscriber_id, list_id, status, status_at, status_source)
                     VALUES (?, ?, ?, ?, ?)`,
  setMembership: `UPDATE memberships SET status = ?, status_at = ?, status_source = ?
                   WHERE subscriber_id = ? AND list_id = ?`,
  setEveryMembership:
    'UPDATE memberships SET status = ?, status_at = ?, status_source = ? WHERE subscriber_id = ?',
  deleteMembership: 'DELETE FROM memberships WHERE subscriber_id = ? AND list_id = ?',
  logConsent: `INSERT INTO consent_log (subscriber_id, list_id, status, at, source, evidence)
               VALUES (?, ?, ?, ?, ?, ?)`,
  suppress: `INSERT INTO suppressions (email, reason, at, source) VALUES (?, ?, ?, ?)
             ON CONFLICT(email) DO UPDATE SET reason = excluded.reason, at = excluded.at, source = excluded.source`,
  suppression: 'SELECT reason FROM suppressions WHERE email = ?',
  liftSuppression: 'DELETE FROM suppressions WHERE email = ?',
  sendable: `SELECT 1 FROM ${MEMBER}
              WHERE s.email = ? AND m.list_id = ? AND m.status = 'subscribed' AND ${NOT_SUPPRESSED}`,
  /**
   * The addresses come as one JSON array: a statement per batch size would be prepared otherwise.
   * CROSS JOIN fixes the order (SQLite's planner keeps it as written): from each address to its
   * subscriber and membership by their keys. Left to the planner, it read every membership of the
   * list by `memberships_by_list` and tested each against the batch: a whole-list scan per claim.
   */
  sendableAmong: `SELECT s.email FROM json_each(?) batch
                   CROSS JOIN subscribers s ON s.email = batch.value
                   CROSS JOIN memberships m ON m.subscriber_id = s.id
                   WHERE m.list_id = ? AND m.status = 'subscribed' AND ${NOT_SUPPRESSED}`,
  recipients: `SELECT s.email, s.name FROM ${MEMBER}
                WHERE m.list_id = ? AND m.status = 'subscribed' AND ${NOT_SUPPRESSED} ORDER BY s.email`,
  insertConfirmation:
    'INSERT INTO confirmations (nonce, email, name, lists, created_at) VALUES (?, ?, ?, ?, ?)',
  confirmation: 'SELECT email, name, lists, used_at FROM confirmations WHERE nonce = ?',
  useConfirmation: 'UPDATE confirmations SET used_at = ? WHERE nonce = ?',
  /** Gmail-style: every spelling of the mailbox, found by a range on its first character. */
  confirmationsOfDotted: `SELECT COUNT(*) AS n FROM confirmations
                           WHERE email >= ? AND email < ? AND created_at >= ? AND mailbox_of(email) = ?`,
  /** The mailbox and every local+tag at the same domain ('+' then ',' is the next character). */
  confirmationsOfTagged: `SELECT COUNT(*) AS n FROM confirmations
                           WHERE (email = ? OR (email >= ? AND email < ? AND substr(email, instr(email, '@')) = ?))
                             AND created_at >= ?`,
  stalePending: `SELECT m.subscriber_id AS id, m.list_id AS list FROM ${MEMBER}
                  WHERE m.status = 'pending' AND m.status_at < ?
                    AND NOT EXISTS (SELECT 1 FROM confirmations c
                                     WHERE c.email = s.email AND c.used_at IS NULL AND c.created_at >= ?)`,
  deleteStaleConfirmations: 'DELETE FROM confirmations WHERE used_at IS NULL AND created_at < ?',
  memberships: `SELECT m.list_id AS list, m.status FROM ${MEMBER} WHERE s.email = ? ORDER BY m.list_id`,
  counts: `SELECT list_id AS list, status, COUNT(*) AS count FROM memberships
            GROUP BY list_id, status ORDER BY list_id, status`,
  everyone: `SELECT s.email, s.name, s.attributes, m.list_id AS list, m.status,
                    m.status_at AS statusAt, m.status_source AS statusSource, ${STATUS_EVIDENCE}
               FROM ${MEMBER} ORDER BY m.list_id, s.email`,
  everyoneOn: `SELECT s.email, s.name, s.attributes, m.list_id AS list, m.status,
                      m.status_at AS statusAt, m.status_source AS statusSource, ${STATUS_EVIDENCE}
                 FROM ${MEMBER} WHERE m.list_id = ? ORDER BY m.list_id, s.email`,
} as const;

const SCHEDULE = 'SELECT issue, list_id AS list, at, state, detail FROM schedules';

export const SCHEDULES = {
  state: 'SELECT state FROM schedules WHERE issue = ? AND list_id = ?',
  put: `INSERT INTO schedules (issue, list_id, at, state, detail, updated_at) VALUES (?, ?, ?, 'scheduled', NULL, ?)
        ON CONFLICT(issue, list_id) DO UPDATE
          SET at = excluded.at, state = 'scheduled', detail = NULL, updated_at = excluded.updated_at,
              runner = NULL, lease_until = NULL`,
  get: `${SCHEDULE} WHERE issue = ? AND list_id = ?`,
  all: `${SCHEDULE} ORDER BY at`,
  due: `${SCHEDULE} WHERE state IN ('scheduled', 'running') AND at <= ? ORDER BY at`,
  /** Taken when free, when its lease has ended, or already this runner's. */
  claim: `UPDATE schedules SET runner = ?, lease_until = ?
           WHERE issue = ? AND list_id = ? AND state IN ('scheduled', 'running') AND at <= ?
             AND (runner IS NULL OR runner = ? OR lease_until IS NULL OR lease_until <= ?)`,
  renew: 'UPDATE schedules SET lease_until = ? WHERE issue = ? AND list_id = ? AND runner = ?',
  /** `running` is the runner's own note on its progress: it keeps the claim. */
  mark: `UPDATE schedules SET state = ?, detail = ?, updated_at = ?,
                runner = CASE WHEN ? = 'running' THEN runner END,
                lease_until = CASE WHEN ? = 'running' THEN lease_until END
          WHERE issue = ? AND list_id = ?`,
} as const;

export const APPROVALS = {
  approve: 'INSERT OR REPLACE INTO approvals (issue, hash, approver, approved_at) VALUES (?, ?, ?, ?)',
  of: `SELECT approver, approved_at AS approvedAt, hash FROM approvals
        WHERE issue = ? ORDER BY approved_at DESC`,
} as const;

const DUE_MAIL = 'FROM service_mail WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?';
const HELD_MAIL = 'WHERE id = ? AND lease_token = ? AND sent_at IS NULL';

export const MAIL_QUEUE = {
  enqueue: `INSERT INTO service_mail (kind, recipient, message, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?)`,
  anyDue: `SELECT 1 ${DUE_MAIL} LIMIT 1`,
  nextDue: `SELECT id, kind, recipient, message, attempts ${DUE_MAIL} ORDER BY next_attempt_at, id LIMIT 1`,
  take: 'UPDATE service_mail SET attempts = attempts + 1, next_attempt_at = ?, lease_token = ? WHERE id = ?',
  renew: `UPDATE service_mail SET next_attempt_at = ?
           WHERE id = ? AND lease_token = ? AND sent_at IS NULL AND gave_up_at IS NULL`,
  held: 'SELECT 1 FROM service_mail WHERE id = ? AND lease_token = ?',
  sent: `UPDATE service_mail SET sent_at = ?, last_error = NULL, lease_token = NULL
          WHERE id = ? AND sent_at IS NULL`,
  retry: `UPDATE service_mail SET last_error = ?, next_attempt_at = ?, lease_token = NULL ${HELD_MAIL}`,
  giveUp: `UPDATE service_mail SET last_error = ?, gave_up_at = ?, lease_token = NULL ${HELD_MAIL}`,
  purge: 'DELETE FROM service_mail WHERE sent_at < ? OR gave_up_at < ?',
} as const;

/** Per issue, list and address: what was heard of it (an address both soft and hard counts as hard). */
const HEARD_PER_ADDRESS = `SELECT e.list_id, e.address,
         MAX(e.verdict = 'hard') AS hard, MAX(e.verdict = 'soft') AS soft, MAX(e.verdict = 'complaint') AS complaint,
         EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.issue = e.issue AND d.list_id = e.list_id AND d.email = e.address AND d.state = 'sent') AS sent
    FROM bounce_events e WHERE e.issue = ? AND e.list_id IS NOT NULL GROUP BY e.issue, e.list_id, e.address`;

export const BOUNCES = {
  /** Nothing inserted: this (source, source id, address, verdict) was recorded before. */
  insert: `INSERT INTO bounce_events (source, source_id, address, verdict, status, diagnostic, issue, list_id, at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  subscriber: 'SELECT id FROM subscribers WHERE email = ?',
  /** Soft bounces count per send (a report and a provider's event of one message are one), else per report. */
  softAround: `SELECT at, COALESCE(issue || '/' || list_id, source || ':' || source_id) AS send
                FROM bounce_events WHERE address = ? AND verdict = 'soft' AND at > ? AND at < ?`,
  /** What starts the soft-bounce count anew, the last heard of: a delivery, the owner's own confirmation lifting a suppression. */
  lastReset: `SELECT MAX(at) AS at FROM (
                SELECT MAX(at) AS at FROM bounce_events WHERE address = ? AND verdict = 'delivered'
                UNION ALL
                SELECT MAX(at) FROM consent_log WHERE subscriber_id = ? AND status = 'suppression-lifted') AS resets`,
  /** A bounce never waters down a complaint: the suppression keeps the stronger reason. */
  suppressBounced: `INSERT INTO suppressions (email, reason, at, source) VALUES (?, 'bounced', ?, ?)
                    ON CONFLICT(email) DO UPDATE SET reason = 'bounced', at = excluded.at, source = excluded.source
                     WHERE suppressions.reason <> 'complained'`,
  suppressComplained: `INSERT INTO suppressions (email, reason, at, source) VALUES (?, 'complained', ?, ?)
                       ON CONFLICT(email) DO UPDATE SET reason = 'complained', at = excluded.at, source = excluded.source`,
  /** A dead address: the lists it is on or waiting for; a "no" already given stays as it was. */
  bounceMemberships: `UPDATE memberships SET status = 'bounced', status_at = ?, status_source = ?
                       WHERE subscriber_id = ? AND status IN ('pending', 'subscribed')`,
  /** "This is spam": off every list, whatever it was. */
  complainMemberships: `UPDATE memberships SET status = 'complained', status_at = ?, status_source = ?
                         WHERE subscriber_id = ?`,
  sentPerList: `SELECT list_id AS list, COUNT(*) AS sent FROM deliveries
                 WHERE issue = ? AND state = 'sent' GROUP BY list_id`,
  heardPerList: `SELECT list_id AS list, SUM(hard) AS hard, SUM(soft AND NOT hard) AS soft,
                        SUM(complaint) AS complaints, SUM((hard OR soft) AND sent) AS bouncedSent
                   FROM (${HEARD_PER_ADDRESS}) GROUP BY list_id`,
} as const;

export const CLICKS = {
  /** A link already in the table keeps its place: a second send of the issue adds only new ones. */
  saveLink: `INSERT INTO click_links (issue, link_id, target, item, position)
             VALUES (?, ?, ?, ?, (SELECT COUNT(*) FROM click_links WHERE issue = ?)) ON CONFLICT DO NOTHING`,
  link: `SELECT l.link_id AS id, l.target, l.item,
                (SELECT COUNT(*) FROM click_links x WHERE x.issue = l.issue) AS linksInIssue
           FROM click_links l WHERE l.issue = ? AND l.link_id = ?`,
  record: 'INSERT INTO clicks (issue, link_id, hour, kind) VALUES (?, ?, ?, ?)',
  relabelScanner: `UPDATE clicks SET kind = 'scanner' WHERE id = ?`,
  counts: `SELECT l.link_id AS id, l.target, l.item,
                  COUNT(c.id) FILTER (WHERE c.kind = 'reader') AS readers,
                  COUNT(c.id) FILTER (WHERE c.kind = 'scanner') AS scanners
             FROM click_links l LEFT JOIN clicks c ON c.issue = l.issue AND c.link_id = l.link_id
            WHERE l.issue = ? GROUP BY l.link_id ORDER BY MIN(l.position)`,
} as const;
