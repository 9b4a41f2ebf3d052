/**
 * Every SQL statement the PostgreSQL stores run, by name: one place to read (and review) them all.
 * Times are `timestamptz` parameters (ISO strings or Dates); pool.ts reads them back as ISO strings.
 */
import { SELF_SUBSCRIBED_SOURCES } from '../../dispatch/ledger.js';

const SENDABLE = `m.status = 'subscribed' AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email = s.email)`;

export const SUBSCRIBER_SQL = {
  existing: `SELECT s.id, s.name, s.attributes, m.status FROM subscribers s
               LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = $1
              WHERE s.email = $2 FOR UPDATE OF s`,
  insertSubscriber: `INSERT INTO subscribers (email, name, attributes, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (email) DO NOTHING RETURNING id`,
  updateSubscriber: 'UPDATE subscribers SET name = $1, attributes = $2 WHERE id = $3',
  rename: 'UPDATE subscribers SET name = $1 WHERE id = $2',
  idOf: 'SELECT id FROM subscribers WHERE email = $1',
  emailOf: 'SELECT email FROM subscribers WHERE id = $1',
  insertMembership: `INSERT INTO memberships (subscriber_id, list_id, status, status_at, status_source)
                     VALUES ($1, $2, $3, $4, $5)`,
  updateMembership: `UPDATE memberships SET status = $1, status_at = $2, status_source = $3
                      WHERE subscriber_id = $4 AND list_id = $5`,
  updateAllMemberships:
    'UPDATE memberships SET status = $1, status_at = $2, status_source = $3 WHERE subscriber_id = $4',
  membershipForUpdate: `SELECT s.id, m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
                         WHERE s.email = $1 AND m.list_id = $2 FOR UPDATE OF m`,
  membership: `SELECT m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
                WHERE s.email = $1 AND m.list_id = $2`,
  log: `INSERT INTO consent_log (subscriber_id, list_id, status, at, source, evidence)
        VALUES ($1, $2, $3, $4, $5, $6)`,
  suppress: `INSERT INTO suppressions (email, reason, at, source) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, at = excluded.at, source = excluded.source`,
  suppression: 'SELECT reason FROM suppressions WHERE email = $1',
  liftSuppression: 'DELETE FROM suppressions WHERE email = $1',
  sendable: `SELECT 1 FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
              WHERE s.email = $1 AND m.list_id = $2 AND ${SENDABLE}`,
  sendableAmong: `SELECT s.email FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
                   WHERE s.email = ANY($1::text[]) AND m.list_id = $2 AND ${SENDABLE}`,
  recipients: `SELECT s.email, s.name FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
                WHERE m.list_id = $1 AND ${SENDABLE} ORDER BY s.email`,
  /** Serialises the requests of one mailbox, so a cap is counted and spent in one step. */
  lockMailbox: "SELECT pg_advisory_xact_lock(hashtext('bulletin-mailbox:' || $1))",
  insertConfirmation:
    'INSERT INTO confirmations (nonce, email, name, lists, created_at) VALUES ($1, $2, $3, $4, $5)',
  confirmationForUpdate: 'SELECT email, name, lists, used_at FROM confirmations WHERE nonce = $1 FOR UPDATE',
  useConfirmation: 'UPDATE confirmations SET used_at = $1 WHERE nonce = $2',
  /** Candidates in a range of the email index; the mailbox of each is compared in JS (address.ts). */
  confirmationsInRange:
    'SELECT email FROM confirmations WHERE email >= $1 AND email < $2 AND created_at >= $3',
  confirmationsOfMailbox: `SELECT COUNT(*) AS n FROM confirmations
                            WHERE (email = $1 OR (email >= $2 AND email < $3 AND substr(email, strpos(email, '@')) = $4))
                              AND created_at >= $5`,
  stalePending: `SELECT m.subscriber_id AS id, m.list_id AS list FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id
                  WHERE m.status = 'pending' AND m.status_at < $1
                    AND NOT EXISTS (SELECT 1 FROM confirmations c
                                     WHERE c.email = s.email AND c.used_at IS NULL AND c.created_at >= $1)
                  FOR UPDATE OF m`,
  removeMembership: 'DELETE FROM memberships WHERE subscriber_id = $1 AND list_id = $2',
  deleteUnusedConfirmations: 'DELETE FROM confirmations WHERE used_at IS NULL AND created_at < $1',
  membershipsOf: `SELECT m.list_id AS list, m.status FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id
                   WHERE s.email = $1 ORDER BY m.list_id`,
  counts: `SELECT list_id AS list, status, COUNT(*) AS count FROM memberships
            GROUP BY list_id, status ORDER BY list_id, status`,
  subscribers: `SELECT s.email, s.name, s.attributes, m.list_id AS list, m.status, m.status_at AS "statusAt",
                       m.status_source AS "statusSource",
                       (SELECT c.evidence FROM consent_log c
                         WHERE c.subscriber_id = s.id AND c.status = m.status
                           AND (c.list_id = m.list_id OR c.list_id IS NULL)
                         ORDER BY c.id DESC LIMIT 1) AS "statusEvidence"
                  FROM memberships m JOIN subscribers s ON s.id = m.subscriber_id`,
} as const;

/** A whole chunk of an import at a time (import.ts); arrays are unnested in input order. */
export const IMPORT_SQL = {
  lock: 'SELECT id FROM subscribers WHERE email = ANY($1::text[]) ORDER BY id FOR UPDATE',
  known: `SELECT e.email, s.id, s.name, s.attributes, m.status, x.reason
            FROM unnest($1::text[]) AS e(email)
            LEFT JOIN subscribers s ON s.email = e.email
            LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = $2
            LEFT JOIN suppressions x ON x.email = e.email`,
  insertSubscribers: `INSERT INTO subscribers (email, name, attributes, created_at)
                      SELECT r.email, r.name, r.attributes, $4
                        FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(email, name, attributes, n)
                       ORDER BY r.n
                      ON CONFLICT (email) DO NOTHING RETURNING id, email`,
  updateSubscribers: `UPDATE subscribers s SET name = r.name, attributes = r.attributes
                        FROM unnest($1::bigint[], $2::text[], $3::text[]) AS r(id, name, attributes) WHERE s.id = r.id`,
  insertMemberships: `INSERT INTO memberships (subscriber_id, list_id, status, status_at, status_source)
                      SELECT r.id, $3, r.status, $4, $5 FROM unnest($1::bigint[], $2::text[]) AS r(id, status)`,
  updateMemberships: `UPDATE memberships m SET status = r.status, status_at = $4, status_source = $5
                        FROM unnest($1::bigint[], $2::text[]) AS r(id, status)
                       WHERE m.subscriber_id = r.id AND m.list_id = $3`,
  logMany: `INSERT INTO consent_log (subscriber_id, list_id, status, at, source)
            SELECT r.id, $3, r.status, $4, $5
              FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS r(id, status, n) ORDER BY r.n`,
} as const;

/**
 * Array parameters as sub-selects, so a custom plan sizes them as a generic plan does (10 rows) and
 * the prepared statement settles on its generic plan after its first five runs. Given the array
 * itself, a custom plan of a group commit's few rows always looks cheaper than the generic plan,
 * and PostgreSQL then plans the statement anew on every call (a quarter of the server's CPU per
 * message sent).
 */
const arrays = (...parameters: string[]) => parameters.map((parameter) => `(SELECT ${parameter})`).join(', ');

const SELF_SUBSCRIBED = SELF_SUBSCRIBED_SOURCES.map((source) => `'${source}'`).join(', ');

const LIVE_WORKER = 'SELECT 1 FROM send_workers w WHERE w.id = d.worker AND w.lease_until > $3';

export const LEDGER_SQL = {
  enqueue: `INSERT INTO deliveries (issue, list_id, email, name, state, updated_at)
            SELECT $1, $2, r.email, r.name, 'pending', $3 FROM unnest($4::text[], $5::text[]) AS r(email, name)
            ON CONFLICT DO NOTHING`,
  /**
   * Of the tables a send's statements read, those never analysed (reltuples < 0: a list imported a
   * moment ago, a database just copied) or whose statistics autovacuum would refresh on its next
   * round (its default threshold: 50 rows + 10% changed since the last ANALYZE).
   */
  staleStatistics: `SELECT c.oid::regclass::text AS name FROM pg_class c
                      LEFT JOIN pg_stat_user_tables t ON t.relid = c.oid
                     WHERE c.oid IN ('subscribers'::regclass, 'memberships'::regclass, 'suppressions'::regclass)
                       AND (c.reltuples < 0 OR t.n_mod_since_analyze > 50 + 0.1 * c.reltuples)`,
  join: `INSERT INTO send_workers (id, issue, list_id, host, pid, started_at, heartbeat_at, lease_until, stopped_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, NULL)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, lease_until = excluded.lease_until,
                                        stopped_at = NULL`,
  heartbeat: 'UPDATE send_workers SET heartbeat_at = $2, lease_until = $3 WHERE id = $1',
  expire: 'UPDATE send_workers SET lease_until = $2 WHERE id = $1 AND lease_until > $2',
  releaseOwn: `UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = $2
                WHERE worker = $1 AND state = 'claimed'`,
  stop: 'UPDATE send_workers SET stopped_at = $2, lease_until = LEAST(lease_until, $2) WHERE id = $1',
  /** Claimed by nobody alive: nobody had them, they go back. */
  releaseOrphans: `UPDATE deliveries d SET state = 'pending', worker = NULL, updated_at = $3
                    WHERE d.issue = $1 AND d.list_id = $2 AND d.state = 'claimed' AND NOT EXISTS (${LIVE_WORKER})`,
  /** Handed to SMTP by a worker that is gone: the outcome is unknown, never resent by itself. */
  orphansUnknown: `UPDATE deliveries d SET state = 'unknown', detail = $4, updated_at = $3
                    WHERE d.issue = $1 AND d.list_id = $2 AND d.state = 'sending' AND NOT EXISTS (${LIVE_WORKER})`,
  /**
   * The rows are chosen once, in an init plan (ARRAY(...)), and then updated through the primary key:
   * as a join, the prepared statement's generic plan hashed the chosen rows against a scan of the
   * whole send (15 ms a claim at 3,000 rows, growing with the list). The search starts after $6, the
   * last address this worker claimed: every row before it has left `pending`, and each left an index
   * entry behind (MVCC) that a scan from the start would step over, until the next vacuum.
   * A row's membership is found by its key, and only then tested: with the status as a condition
   * of the search, the list's index (list_id, status) looked cheaper whenever few members came in
   * by double opt-in, and the claim read every member of the list for each row it claimed.
   */
  claim: `UPDATE deliveries d SET state = 'claimed', worker = $3, updated_at = $5
           WHERE d.issue = $1 AND d.list_id = $2 AND d.email = ANY (ARRAY(
                   SELECT email FROM deliveries
                    WHERE issue = $1 AND list_id = $2 AND state = 'pending' AND email > $6
                      AND (not_before IS NULL OR not_before <= $5)
                    ORDER BY email LIMIT $4 FOR UPDATE SKIP LOCKED))
       RETURNING d.email, d.name, d.attempts,
                 (SELECT s.id FROM subscribers s WHERE s.email = d.email) AS subscriber_id,
                 (SELECT CASE WHEN m.status = 'subscribed' AND m.status_source IN (${SELF_SUBSCRIBED})
                              THEN m.status_at END
                    FROM subscribers s JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = d.list_id
                   WHERE s.email = d.email) AS subscribed_at`,
  /**
   * Many rows at once (group commit), in one statement and one commit: outcomes ($1-$7), each row its
   * own state and detail, only by its holder (a row made unknown while its late holder waited for the
   * answer takes the answer); and begins ($8-$12), the worker's own claimed rows -> sending. So a
   * message's outcome and the next message's start share a commit. No row is in both halves (the
   * group commit changes a row once per statement); returns the rows begun.
   */
  stepMany: `WITH finished AS (
               UPDATE deliveries d SET state = u.state, detail = u.detail, worker = u.worker, updated_at = u.at
                 FROM unnest(${arrays('$1::text[]', '$2::text[]', '$3::text[]', '$4::text[]', '$5::text[]', '$6::text[]')},
                             ${arrays('$7::timestamptz[]')}) AS u(issue, list_id, email, worker, state, detail, at)
                WHERE d.issue = u.issue AND d.list_id = u.list_id AND d.email = u.email
                  AND d.worker IS NOT DISTINCT FROM u.worker AND d.state IN ('claimed', 'sending', 'unknown'))
             UPDATE deliveries d SET state = 'sending', attempts = d.attempts + 1, updated_at = u.at
               FROM unnest(${arrays('$8::text[]', '$9::text[]', '$10::text[]', '$11::text[]', '$12::timestamptz[]')})
                    AS u(issue, list_id, email, worker, at)
              WHERE d.issue = u.issue AND d.list_id = u.list_id AND d.email = u.email
                AND d.state = 'claimed' AND d.worker IS NOT DISTINCT FROM u.worker
          RETURNING d.issue, d.list_id, d.email`,
  /** Back to pending and to nobody, by the holder of a row in flight. */
  retryLater: `UPDATE deliveries SET state = 'pending', detail = $5, not_before = $6, worker = NULL, updated_at = $7
                WHERE issue = $1 AND list_id = $2 AND email = $3 AND worker = $4 AND state = 'sending'`,
  /** The earliest time a pending row is due; one with no time has been due since the epoch. */
  pendingAt: `SELECT MIN(COALESCE(not_before, 'epoch'::timestamptz)) AS at, COUNT(*) AS n FROM deliveries
               WHERE issue = $1 AND list_id = $2 AND state = 'pending'`,
  /** When the holders of unfinished rows lose them: a row held by no worker at all, since the epoch. */
  heldUntil: `SELECT MIN(COALESCE(w.lease_until, 'epoch'::timestamptz)) AS at, COUNT(*) AS n FROM deliveries d
                LEFT JOIN send_workers w ON w.id = d.worker
               WHERE d.issue = $1 AND d.list_id = $2 AND d.state IN ('claimed', 'sending')`,
  /**
   * The account's pacing row, made if it is new, and locked (the conflict's no-op update takes the row
   * lock, as FOR UPDATE would) until the reservation commits: one round trip for both.
   */
  lockPacing: `INSERT INTO send_pacing (account, next_at) VALUES ($1, $2)
                 ON CONFLICT (account) DO UPDATE SET next_at = send_pacing.next_at
               RETURNING next_at`,
  setPacing: 'UPDATE send_pacing SET next_at = $2 WHERE account = $1',
  /** Without a window: the account's next time moved on by $3 ms from itself or now, whichever is later. */
  advancePacing: `INSERT INTO send_pacing (account, next_at) VALUES ($1, $2::timestamptz + $3 * interval '1 millisecond')
                    ON CONFLICT (account)
                    DO UPDATE SET next_at = GREATEST(send_pacing.next_at, $2) + $3 * interval '1 millisecond'
                  RETURNING next_at - $3 * interval '1 millisecond' AS first_at`,
  forgetSlots: 'DELETE FROM send_slots WHERE account = $1 AND at <= $2',
  slots: 'SELECT at FROM send_slots WHERE account = $1 ORDER BY at',
  addSlots: 'INSERT INTO send_slots (account, at) SELECT $1, unnest($2::timestamptz[])',
  requeueUnknown: `UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = $3
                    WHERE issue = $1 AND list_id = $2 AND state = 'unknown'`,
  counts: `SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries
            WHERE issue = $1 AND ($2::text IS NULL OR list_id = $2) GROUP BY list_id, state`,
  rows: `SELECT email, state, attempts, detail FROM deliveries
          WHERE issue = $1 AND list_id = $2 AND ($3::text IS NULL OR state = $3) ORDER BY email`,
  workers: `SELECT id, host, pid, started_at AS "startedAt", heartbeat_at AS "heartbeatAt",
                   lease_until AS "leaseUntil", stopped_at AS "stoppedAt"
              FROM send_workers WHERE issue = $1 AND list_id = $2 ORDER BY started_at, id`,
  workerCounts: `SELECT worker, state, COUNT(*) AS count FROM deliveries
                  WHERE issue = $1 AND list_id = $2 AND worker IS NOT NULL GROUP BY worker, state`,
} as const;

export const SCHEDULE_SQL = {
  stateForUpdate: 'SELECT state FROM schedules WHERE issue = $1 AND list_id = $2 FOR UPDATE',
  put: `INSERT INTO schedules (issue, list_id, at, state, detail, updated_at) VALUES ($1, $2, $3, 'scheduled', NULL, $4)
        ON CONFLICT (issue, list_id) DO UPDATE SET at = excluded.at, state = 'scheduled', detail = NULL,
          updated_at = excluded.updated_at, runner = NULL, lease_until = NULL`,
  get: 'SELECT issue, list_id AS list, at, state, detail FROM schedules WHERE issue = $1 AND list_id = $2',
  all: 'SELECT issue, list_id AS list, at, state, detail FROM schedules ORDER BY at',
  due: `SELECT issue, list_id AS list, at, state, detail FROM schedules
         WHERE state IN ('scheduled', 'running') AND at <= $1 ORDER BY at`,
  /**
   * Taken when free, when its lease has ended, or already this runner's. The state stays: only the
   * runner's mark('running') says the send has started (a claim that dies while checking is no start).
   */
  claim: `UPDATE schedules SET runner = $3, lease_until = $5
           WHERE issue = $1 AND list_id = $2 AND state IN ('scheduled', 'running') AND at <= $4
             AND (runner IS NULL OR runner = $3 OR lease_until IS NULL OR lease_until <= $4)`,
  renew: 'UPDATE schedules SET lease_until = $4 WHERE issue = $1 AND list_id = $2 AND runner = $3',
  /** `running` is the runner's own note on its progress: it keeps the claim. */
  mark: `UPDATE schedules SET state = $3, detail = $4, updated_at = $5,
                runner = CASE WHEN $3 = 'running' THEN runner END,
                lease_until = CASE WHEN $3 = 'running' THEN lease_until END
          WHERE issue = $1 AND list_id = $2`,
} as const;

export const APPROVAL_SQL = {
  approve: `INSERT INTO approvals (issue, hash, approver, approved_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (issue, hash, approver) DO UPDATE SET approved_at = excluded.approved_at`,
  of: 'SELECT approver, approved_at AS "approvedAt", hash FROM approvals WHERE issue = $1 ORDER BY approved_at DESC',
} as const;

const DUE_MAIL = 'sent_at IS NULL AND gave_up_at IS NULL';

export const MAIL_QUEUE_SQL = {
  enqueue: `INSERT INTO service_mail (kind, recipient, message, next_attempt_at, created_at)
            VALUES ($1, $2, $3, $4, $4)`,
  claimNext: `UPDATE service_mail SET attempts = attempts + 1, next_attempt_at = $2, lease_token = $3
               WHERE id = (SELECT id FROM service_mail WHERE ${DUE_MAIL} AND next_attempt_at <= $1
                            ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING id, kind, recipient, message, attempts`,
  renew: `UPDATE service_mail SET next_attempt_at = $3 WHERE id = $1 AND lease_token = $2 AND ${DUE_MAIL}`,
  tokenForUpdate: 'SELECT lease_token FROM service_mail WHERE id = $1 FOR UPDATE',
  sent: `UPDATE service_mail SET sent_at = $2, last_error = NULL, lease_token = NULL WHERE id = $1 AND sent_at IS NULL`,
  retry: `UPDATE service_mail SET last_error = $3, next_attempt_at = $4, lease_token = NULL
           WHERE id = $1 AND lease_token = $2 AND sent_at IS NULL`,
  giveUp: `UPDATE service_mail SET last_error = $3, gave_up_at = $4, lease_token = NULL
            WHERE id = $1 AND lease_token = $2 AND sent_at IS NULL`,
  purge: 'DELETE FROM service_mail WHERE sent_at < $1 OR gave_up_at < $1',
} as const;

export const RATE_LIMIT_SQL = {
  hit: `INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1)
        ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`,
  purge: 'DELETE FROM rate_limits WHERE window_start < $1',
} as const;

/** Per issue, list and address: what was heard of it (an address both soft and hard counts as hard). */
const HEARD_PER_ADDRESS = `SELECT e.list_id, e.address,
         bool_or(e.verdict = 'hard') AS hard, bool_or(e.verdict = 'soft') AS soft,
         bool_or(e.verdict = 'complaint') AS complaint,
         EXISTS (SELECT 1 FROM deliveries d
                  WHERE d.issue = e.issue AND d.list_id = e.list_id AND d.email = e.address AND d.state = 'sent') AS sent
    FROM bounce_events e WHERE e.issue = $1 AND e.list_id IS NOT NULL GROUP BY e.issue, e.list_id, e.address`;

export const BOUNCE_SQL = {
  /** Serialises the events of one address, so a soft bounce is counted and acted on in one step. */
  lockAddress: "SELECT pg_advisory_xact_lock(hashtext('bulletin-bounce:' || $1))",
  /** No row back: this (source, source id, address, verdict) was recorded before. */
  insert: `INSERT INTO bounce_events (source, source_id, address, verdict, status, diagnostic, issue, list_id, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
  subscriber: 'SELECT id FROM subscribers WHERE email = $1 FOR UPDATE',
  /** Soft bounces count per send (a report and a provider's event of one message are one), else per report. */
  softAround: `SELECT at, COALESCE(issue || '/' || list_id, source || ':' || source_id) AS send
                FROM bounce_events WHERE address = $1 AND verdict = 'soft' AND at > $2 AND at < $3`,
  /** What starts the soft-bounce count anew, the last heard of: a delivery, the owner's own confirmation lifting a suppression. */
  lastReset: `SELECT MAX(at) AS at FROM (
                SELECT MAX(at) AS at FROM bounce_events WHERE address = $1 AND verdict = 'delivered'
                UNION ALL
                SELECT MAX(at) FROM consent_log WHERE subscriber_id = $2 AND status = 'suppression-lifted') AS resets`,
  /** A bounce never waters down a complaint: the suppression keeps the stronger reason. */
  suppressBounced: `INSERT INTO suppressions (email, reason, at, source) VALUES ($1, 'bounced', $2, $3)
                    ON CONFLICT (email) DO UPDATE SET reason = 'bounced', at = excluded.at, source = excluded.source
                     WHERE suppressions.reason <> 'complained'`,
  suppressComplained: `INSERT INTO suppressions (email, reason, at, source) VALUES ($1, 'complained', $2, $3)
                       ON CONFLICT (email) DO UPDATE SET reason = 'complained', at = excluded.at, source = excluded.source`,
  /** A dead address: the lists it is on or waiting for; a "no" already given stays as it was. */
  bounceMemberships: `UPDATE memberships SET status = 'bounced', status_at = $1, status_source = $2
                       WHERE subscriber_id = $3 AND status IN ('pending', 'subscribed')`,
  /** "This is spam": off every list, whatever it was. */
  complainMemberships: `UPDATE memberships SET status = 'complained', status_at = $1, status_source = $2
                         WHERE subscriber_id = $3`,
  sentPerList: `SELECT list_id AS list, COUNT(*)::int AS sent FROM deliveries
                 WHERE issue = $1 AND state = 'sent' GROUP BY list_id`,
  heardPerList: `SELECT list_id AS list, COUNT(*) FILTER (WHERE hard)::int AS hard,
                        COUNT(*) FILTER (WHERE soft AND NOT hard)::int AS soft,
                        COUNT(*) FILTER (WHERE complaint)::int AS complaints,
                        COUNT(*) FILTER (WHERE (hard OR soft) AND sent)::int AS "bouncedSent"
                   FROM (${HEARD_PER_ADDRESS}) AS heard GROUP BY list_id`,
} as const;

export const CLICK_SQL = {
  /** Serialises the link tables of one issue, so two senders starting at once number its links alike. */
  lockIssue: "SELECT pg_advisory_xact_lock(hashtext('bulletin-click-links:' || $1))",
  /** A link already in the table keeps its place: a second send of the issue adds only new ones. */
  saveLink: `INSERT INTO click_links (issue, link_id, target, item, position)
             VALUES ($1, $2, $3, $4, (SELECT COUNT(*) FROM click_links WHERE issue = $1)) ON CONFLICT DO NOTHING`,
  link: `SELECT l.link_id AS id, l.target, l.item,
                (SELECT COUNT(*)::int FROM click_links x WHERE x.issue = l.issue) AS "linksInIssue"
           FROM click_links l WHERE l.issue = $1 AND l.link_id = $2`,
  record: 'INSERT INTO clicks (issue, link_id, hour, kind) VALUES ($1, $2, $3, $4) RETURNING id',
  relabelScanner: `UPDATE clicks SET kind = 'scanner' WHERE id = ANY($1::bigint[])`,
  counts: `SELECT l.link_id AS id, l.target, l.item,
                  COUNT(c.id) FILTER (WHERE c.kind = 'reader')::int AS readers,
                  COUNT(c.id) FILTER (WHERE c.kind = 'scanner')::int AS scanners
             FROM click_links l LEFT JOIN clicks c ON c.issue = l.issue AND c.link_id = l.link_id
            WHERE l.issue = $1 GROUP BY l.link_id, l.target, l.item, l.position ORDER BY l.position`,
} as const;
