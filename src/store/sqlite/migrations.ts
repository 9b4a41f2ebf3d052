/**
 * The schema, one numbered step at a time. A database records the steps it has had
 * (`PRAGMA user_version`); opening it runs the missing ones in order, each in a transaction.
 * Never edit a released step: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscribers (
     id INTEGER PRIMARY KEY,
     email TEXT NOT NULL UNIQUE,
     name TEXT,
     attributes TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL
   );
   CREATE TABLE memberships (
     subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
     list_id TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending','subscribed','unsubscribed','bounced','complained')),
     status_at TEXT NOT NULL,
     status_source TEXT NOT NULL,
     PRIMARY KEY (subscriber_id, list_id)
   );
   CREATE INDEX memberships_by_list ON memberships(list_id, status);
   CREATE TABLE consent_log (
     id INTEGER PRIMARY KEY,
     subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
     list_id TEXT,
     status TEXT NOT NULL,
     at TEXT NOT NULL,
     source TEXT NOT NULL
   );
   CREATE TABLE suppressions (
     email TEXT PRIMARY KEY,
     reason TEXT NOT NULL,
     at TEXT NOT NULL,
     source TEXT NOT NULL
   );`,
  // 2: the send ledger (src/dispatch): one row per issue, list and subscriber.
  `CREATE TABLE deliveries (
     issue TEXT NOT NULL,
     list_id TEXT NOT NULL,
     email TEXT NOT NULL,
     name TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending','sending','sent','failed','unknown','skipped')),
     attempts INTEGER NOT NULL DEFAULT 0,
     detail TEXT,
     not_before TEXT,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (issue, list_id, email)
   );
   CREATE INDEX deliveries_by_state ON deliveries(issue, list_id, state);`,
  // 3: claiming the next pending row in address order reads the index instead of sorting every
  // pending row of a send at each claim (which made a 20,000-message send quadratic).
  `CREATE INDEX deliveries_pending ON deliveries(issue, list_id, state, email);
   DROP INDEX deliveries_by_state;`,
  // 4: double opt-in. One row per confirmation email: the token carries the nonce, the row the
  // lists asked for; `used_at` makes each link single-use.
  // The name given on the form waits here too: it is applied only when the mailbox's owner confirms.
  `CREATE TABLE confirmations (
     nonce TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     name TEXT,
     lists TEXT NOT NULL,
     created_at TEXT NOT NULL,
     used_at TEXT
   );
   CREATE INDEX confirmations_by_email ON confirmations(email, created_at);`,
  // 5: approvals (src/approval): who approved which build of an issue, by its hash.
  `CREATE TABLE approvals (
     issue TEXT NOT NULL,
     hash TEXT NOT NULL,
     approver TEXT NOT NULL,
     approved_at TEXT NOT NULL,
     PRIMARY KEY (issue, hash, approver)
   );`,
  // 6: scheduled sends (src/schedule), run by `bulletin serve`.
  `CREATE TABLE schedules (
     issue TEXT NOT NULL,
     list_id TEXT NOT NULL,
     at TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('scheduled','running','done','missed','failed','cancelled')),
     detail TEXT,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (issue, list_id)
   );`,
  // 7: the subscription service's own mail (src/service/mail-queue.ts), queued in the same commit
  // order as the answer that promised it, and sent from here with retries, across restarts.
  `CREATE TABLE service_mail (
     id INTEGER PRIMARY KEY,
     kind TEXT NOT NULL,
     recipient TEXT NOT NULL,
     message TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at TEXT NOT NULL,
     last_error TEXT,
     created_at TEXT NOT NULL,
     sent_at TEXT,
     gave_up_at TEXT
   );
   CREATE INDEX service_mail_due ON service_mail(next_attempt_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;`,
  // 8: who holds a claimed service mail (a fresh token per claim), so a sender whose lease ran out
  // and was taken over by another cannot record a failure over the new holder's attempt.
  `ALTER TABLE service_mail ADD COLUMN lease_token TEXT;`,
  // 9: which `serve` (runner) holds a due schedule, and until when: two servers over one database
  // never run one scheduled send twice, and one that dies leaves it to the other when its lease ends.
  `ALTER TABLE schedules ADD COLUMN runner TEXT;
   ALTER TABLE schedules ADD COLUMN lease_until TEXT;`,
  // 10: the service's rate limits (src/service/rate-limits.ts), counted here so that several
  // `bulletin serve` over one database share them and a restart does not reset them.
  `CREATE TABLE rate_limits (
     key TEXT NOT NULL,
     window_start TEXT NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (key, window_start)
   );`,
];
