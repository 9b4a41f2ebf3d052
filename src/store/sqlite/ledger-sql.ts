import { SELF_SUBSCRIBED_SOURCES } from '../../dispatch/ledger.js';

/** Every query of the SQLite send ledger, by name. */
export const LEDGER_SQL = {
  enqueue:
    'INSERT OR IGNORE INTO deliveries (issue, list_id, email, name, state, updated_at) ' +
    "VALUES (?, ?, ?, ?, 'pending', ?)",
  join:
    'INSERT INTO send_workers (id, issue, list_id, host, pid, started_at, heartbeat_at, lease_until) ' +
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  heartbeat: 'UPDATE send_workers SET heartbeat_at = ?, lease_until = ? WHERE id = ?',
  expire: 'UPDATE send_workers SET lease_until = ? WHERE id = ? AND lease_until > ?',
  stopWorker: 'UPDATE send_workers SET stopped_at = ?, lease_until = ? WHERE id = ?',
  /** A leaving worker's rows, found through its send so the (issue, list) index is used. */
  releaseOwn:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    'WHERE issue = (SELECT issue FROM send_workers WHERE id = ?) ' +
    'AND list_id = (SELECT list_id FROM send_workers WHERE id = ?) ' +
    "AND state = 'claimed' AND worker = ?",
  /** Rows held by no live worker: its lease ended, or it never had one (a send from before workers). */
  releaseOrphans:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'claimed' AND NOT EXISTS " +
    '(SELECT 1 FROM send_workers w WHERE w.id = deliveries.worker AND w.lease_until > ?)',
  orphansUnknown:
    "UPDATE deliveries SET state = 'unknown', detail = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'sending' AND NOT EXISTS " +
    '(SELECT 1 FROM send_workers w WHERE w.id = deliveries.worker AND w.lease_until > ?)',
  /** With the subscriber's id, for the bounce token: read here, not once per message. */
  claimable:
    'SELECT d.email, d.name, d.attempts, s.id AS subscriberId, m.status_at AS subscribedAt FROM deliveries d ' +
    'LEFT JOIN subscribers s ON s.email = d.email ' +
    "LEFT JOIN memberships m ON m.subscriber_id = s.id AND m.list_id = d.list_id AND m.status = 'subscribed' " +
    `AND m.status_source IN (${SELF_SUBSCRIBED_SOURCES.map((source) => `'${source}'`).join(', ')}) ` +
    "WHERE d.issue = ? AND d.list_id = ? AND d.state = 'pending' AND (d.not_before IS NULL OR d.not_before <= ?) " +
    'ORDER BY d.email LIMIT ?',
  claim:
    "UPDATE deliveries SET state = 'claimed', worker = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND state = 'pending'",
  begin:
    "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND state = 'claimed' AND worker = ?",
  /** From `unknown` too: a late reply after the lease ran out is still the truth about the message. */
  finish:
    'UPDATE deliveries SET state = ?, detail = ?, updated_at = ? ' +
    "WHERE issue = ? AND list_id = ? AND email = ? AND worker = ? AND state IN ('claimed', 'sending', 'unknown')",
  retryLater:
    "UPDATE deliveries SET state = 'pending', worker = NULL, detail = ?, not_before = ?, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND email = ? AND worker = ? AND state = 'sending'",
  nextDue:
    "SELECT MIN(COALESCE(not_before, '')) AS at, COUNT(*) AS n FROM deliveries " +
    "WHERE issue = ? AND list_id = ? AND state = 'pending'",
  nextLeaseEnd:
    "SELECT MIN(COALESCE(w.lease_until, '')) AS at, COUNT(*) AS n FROM deliveries d " +
    'LEFT JOIN send_workers w ON w.id = d.worker ' +
    "WHERE d.issue = ? AND d.list_id = ? AND d.state IN ('claimed', 'sending')",
  pacing: 'SELECT next_at FROM send_pacing WHERE account = ?',
  setPacing:
    'INSERT INTO send_pacing (account, next_at) VALUES (?, ?) ' +
    'ON CONFLICT (account) DO UPDATE SET next_at = excluded.next_at',
  /** The latest grants inside the window, newest first; '' holds sends from before accounts were kept. */
  recentSlots: "SELECT at FROM send_slots WHERE account IN (?, '') AND at > ? ORDER BY at DESC LIMIT ?",
  addSlot: 'INSERT INTO send_slots (account, at) VALUES (?, ?)',
  purgeSlots: "DELETE FROM send_slots WHERE account IN (?, '') AND at < ?",
  requeueUnknown:
    "UPDATE deliveries SET state = 'pending', worker = NULL, updated_at = ? " +
    "WHERE issue = ? AND list_id = ? AND state = 'unknown'",
  counts:
    'SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries WHERE issue = ? GROUP BY list_id, state',
  countsOfList:
    'SELECT list_id AS list, state, COUNT(*) AS count FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? GROUP BY list_id, state',
  rows: 'SELECT email, state, attempts, detail FROM deliveries WHERE issue = ? AND list_id = ? ORDER BY email',
  rowsInState:
    'SELECT email, state, attempts, detail FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? AND state = ? ORDER BY email',
  workers:
    'SELECT id, host, pid, started_at AS startedAt, heartbeat_at AS heartbeatAt, lease_until AS leaseUntil, ' +
    'stopped_at AS stoppedAt FROM send_workers WHERE issue = ? AND list_id = ? ORDER BY started_at, id',
  workerCounts:
    'SELECT worker, state, COUNT(*) AS count FROM deliveries ' +
    'WHERE issue = ? AND list_id = ? AND worker IS NOT NULL GROUP BY worker, state',
} as const;
