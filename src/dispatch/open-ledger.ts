import type { Config } from '../content/model.js';
import { databasePath } from '../subscribers/open-store.js';
import { type SendLedgerV1 as SendLedger, SqliteSendLedger } from './ledger.js';

/** The send ledger, in the same database as the subscribers. */
export function openSendLedger(root: string, config: Config): SendLedger {
  return new SqliteSendLedger(databasePath(root, config));
}
