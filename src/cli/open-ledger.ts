import type { Config } from '../content/model.js';
import type { SendLedger } from '../dispatch/ledger.js';
import { SqliteSendLedger } from '../store/sqlite/ledger.js';
import { databasePath } from '../subscribers/open-store.js';

/** The send ledger, in the same database as the subscribers. */
export function openSendLedger(root: string, config: Config): SendLedger {
  return new SqliteSendLedger(databasePath(root, config));
}
