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
  // 11: several workers share one send (src/dispatch/ledger.ts). A row is `claimed` by a worker before
  // it is `sending`; `worker` says whose it is (kept after the outcome, for status). Each worker holds
  // a lease in send_workers; the pacing of an SMTP account is shared through send_pacing (the next
  // free instant) and send_slots (the grants inside the sliding window). The CHECK needs a rebuild.
  // Sends of the last week are seeded as grants of no account (''), so a window cap counts them.
  `CREATE TABLE deliveries_v9 (
     issue TEXT NOT NULL,
     list_id TEXT NOT NULL,
     email TEXT NOT NULL,
     name TEXT,
     state TEXT NOT NULL CHECK (state IN ('pending','claimed','sending','sent','failed','unknown','skipped')),
     attempts INTEGER NOT NULL DEFAULT 0,
     detail TEXT,
     not_before TEXT,
     updated_at TEXT NOT NULL,
     worker TEXT,
     PRIMARY KEY (issue, list_id, email)
   );
   INSERT INTO deliveries_v9 (issue, list_id, email, name, state, attempts, detail, not_before, updated_at)
     SELECT issue, list_id, email, name, state, attempts, detail, not_before, updated_at FROM deliveries;
   DROP TABLE deliveries;
   ALTER TABLE deliveries_v9 RENAME TO deliveries;
   CREATE INDEX deliveries_pending ON deliveries(issue, list_id, state, email);
   CREATE TABLE send_workers (
     id TEXT PRIMARY KEY,
     issue TEXT NOT NULL,
     list_id TEXT NOT NULL,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     started_at TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL,
     lease_until TEXT NOT NULL,
     stopped_at TEXT
   );
   CREATE INDEX send_workers_by_send ON send_workers(issue, list_id);
   CREATE TABLE send_pacing (
     account TEXT PRIMARY KEY,
     next_at TEXT NOT NULL
   );
   CREATE TABLE send_slots (
     account TEXT NOT NULL,
     at TEXT NOT NULL
   );
   CREATE INDEX send_slots_by_account ON send_slots(account, at);
   INSERT INTO send_slots (account, at)
     SELECT '', updated_at FROM deliveries
     WHERE state IN ('sent', 'unknown') AND updated_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days');`,
  // 12: bounces and complaints (src/bounces): every event heard after a send, once per (source, source
  // id, address, verdict) so a report read twice or a webhook retried counts once; and the evidence
  // (JSON: status code, diagnostic, source message) of each consent-log entry that has one, found by
  // subscriber for the export.
  `CREATE TABLE bounce_events (
     id INTEGER PRIMARY KEY,
     source TEXT NOT NULL,
     source_id TEXT NOT NULL,
     address TEXT NOT NULL,
     verdict TEXT NOT NULL CHECK (verdict IN ('hard','soft','complaint','delivered')),
     status TEXT,
     diagnostic TEXT,
     issue TEXT,
     list_id TEXT,
     at TEXT NOT NULL,
     UNIQUE (source, source_id, address, verdict)
   );
   CREATE INDEX bounce_events_by_address ON bounce_events(address, verdict, at);
   CREATE INDEX bounce_events_by_issue ON bounce_events(issue, list_id);
   ALTER TABLE consent_log ADD COLUMN evidence TEXT;
   CREATE INDEX consent_log_by_subscriber ON consent_log(subscriber_id, id);`,
  // 13: click counts (src/analytics, `analytics.clicks`): each issue's link table, written before its
  // first message goes out, and one row per followed link with only the hour and whether a reader or
  // a scanner followed it: no address, no subscriber, no user agent.
  `CREATE TABLE click_links (
     issue TEXT NOT NULL,
     link_id TEXT NOT NULL,
     target TEXT NOT NULL,
     item TEXT,
     position INTEGER NOT NULL,
     PRIMARY KEY (issue, link_id)
   );
   CREATE TABLE clicks (
     id INTEGER PRIMARY KEY,
     issue TEXT NOT NULL,
     link_id TEXT NOT NULL,
     hour TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('reader','scanner'))
   );
   CREATE INDEX clicks_by_link ON clicks(issue, link_id, kind);`,
];
