import { postgresEngine } from './helpers/postgres-engine.js';
import { ledgerBehaviours } from './store-behaviours/ledger.js';
import { subscriberBehaviours } from './store-behaviours/subscribers.js';

/**
 * The PostgreSQL stores against a real server (a throwaway cluster, __tests__/helpers/postgres.ts).
 * The behaviours are engine-neutral functions, so the shared store contract runs them for SQLite too.
 */
const maybe = postgresEngine.skip ? describe.skip : describe;

maybe('PostgreSQL: subscribers', () => subscriberBehaviours(postgresEngine));
maybe('PostgreSQL: send ledger', () => ledgerBehaviours(postgresEngine));
