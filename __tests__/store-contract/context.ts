import type { Stores } from '../../src/store/stores.js';
import type { Engine } from '../helpers/engines.js';

/** What each contract test is given: the engine it runs on and the stores opened for it. */
export interface StoresUnderTest {
  engine: Engine;
  /** This test's stores, on a fresh, empty, migrated database. */
  stores(): Stores;
  /** Another opening of the same database (its own connections, as another process has); closed after the test. */
  another(): Promise<Stores>;
}

/** Opens fresh stores before each test and closes them, and any other opening, after it. */
export function storesUnderTest(engine: Engine): StoresUnderTest {
  let opened: Stores | undefined;
  const others: Stores[] = [];
  beforeEach(async () => {
    opened = await engine.open();
  });
  afterEach(async () => {
    const closing = others.splice(0).map((other) => other.close());
    await Promise.all(closing);
    await opened?.close();
    opened = undefined;
  });
  const stores = (): Stores => {
    if (!opened) throw new Error('the stores are not open');
    return opened;
  };
  return {
    engine,
    stores,
    async another() {
      const other = await engine.sameDatabase(stores());
      others.push(other);
      return other;
    },
  };
}
