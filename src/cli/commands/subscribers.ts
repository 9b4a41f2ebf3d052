import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../content/config.js';
import type { Config } from '../../content/model.js';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { suggestion } from '../../diagnostics/suggest.js';
import { normalizeAddress } from '../../support/email-address.js';
import { LIST_STATUSES, type SubscriberStore } from '../../subscribers/store.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say, shortPath } from '../io.js';
import type { GlobalOptions } from '../options.js';

type Run = (action: () => Promise<number>) => Promise<void>;

export function registerSubscribers(program: Command, run: Run): void {
  const subscribers = program
    .command('subscribers')
    .description('manage subscribers: import, export, add, remove, list');
  const withStore = async (
    list: string | undefined,
    action: (store: SubscriberStore, config: Config) => Promise<number>,
  ): Promise<number> => {
    const { root } = program.opts<GlobalOptions>();
    const { config, problems } = await loadConfig(root);
    if (!config) {
      for (const problem of problems) say(formatDiagnostic(problem));
      return EXIT_FAILED;
    }
    if (list !== undefined) assertList(config, list);
    const { openStores } = await import('../../store/stores.js');
    const stores = await openStores(root, config);
    try {
      return await action(stores.subscribers, config);
    } finally {
      await stores.close();
    }
  };

  subscribers
    .command('import')
    .description(
      'add or update subscribers from a CSV file (header row: email, name, other columns); all rows or none',
    )
    .argument('<file>', 'the CSV file')
    .requiredOption('--list <id>', 'the list to subscribe them to')
    .option('--json', 'print one JSON document on stdout')
    .action((file: string, options: { list: string; json?: boolean }) =>
      run(() =>
        withStore(options.list, async (store) => {
          let text: string;
          try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(resolve(file)));
          } catch (error) {
            throw new UsageError(
              `Cannot read ${file} as UTF-8 text (${(error as NodeJS.ErrnoException).code ?? 'not UTF-8'}).`,
            );
          }
          const { parseSubscriberCsv } = await import('../../subscribers/csv.js');
          const parsed = parseSubscriberCsv(text);
          for (const problem of parsed.problems)
            say(`${shortPath(resolve(file))}:${problem.line}: ${problem.message}`);
          if (parsed.problems.length) {
            say(
              `Nothing was imported: fix the ${parsed.problems.length} row${parsed.problems.length === 1 ? '' : 's'} above and run the import again.`,
            );
            if (options.json) printJson({ ok: false, problems: parsed.problems });
            return EXIT_FAILED;
          }
          const outcome = await store.importSubscribers(options.list, parsed.rows, {
            source: `import:${basename(file)}`,
          });
          say(
            `${options.list}: ${outcome.added} added, ${outcome.updated} updated, ${outcome.unchanged} unchanged, ${outcome.keptOut} left unsubscribed${parsed.duplicates ? `; ${parsed.duplicates} repeated addresses merged` : ''}.`,
          );
          if (options.json)
            printJson({ ok: true, list: options.list, ...outcome, duplicates: parsed.duplicates });
          return EXIT_OK;
        }),
      ),
    );

  subscribers
    .command('export')
    .description(
      'write subscribers as CSV (email, name, list, status, consent_at, consent_source, consent_evidence) to stdout',
    )
    .option('--list <id>', 'only this list')
    .action((options: { list?: string }) =>
      run(() =>
        withStore(options.list, async (store) => {
          const { writeSubscriberCsv } = await import('../../subscribers/csv.js');
          const count = await writeSubscriberCsv(store.subscribers(options.list), process.stdout);
          say(`${count} row${count === 1 ? '' : 's'} exported.`);
          return EXIT_OK;
        }),
      ),
    );

  subscribers
    .command('add')
    .description('subscribe one address to a list')
    .argument('<email>', 'the address')
    .requiredOption('--list <id>', 'the list')
    .option('--name <name>', 'their name')
    .option('--json', 'print one JSON document on stdout')
    .action((email: string, options: { list: string; name?: string; json?: boolean }) =>
      run(() =>
        withStore(options.list, async (store) => {
          const address = normalizeAddress(email);
          if (!address.ok) {
            say(`"${email}" ${address.reason}.`);
            if (options.json) printJson({ ok: false, error: `address ${address.reason}` });
            return EXIT_FAILED;
          }
          if (options.name && /[\r\n]/.test(options.name))
            throw new UsageError('The name must be on one line.');
          const result = await store.addSubscriber(
            options.list,
            { email: address.address, ...(options.name ? { name: options.name } : {}) },
            'subscribed',
            { source: 'cli' },
          );
          say(
            result.status === 'subscribed'
              ? `${address.address} is subscribed to ${options.list}.`
              : `${address.address} stays ${result.status} on ${options.list}: Bulletin never resubscribes someone who left.`,
          );
          if (options.json) printJson({ ok: true, email: address.address, list: options.list, ...result });
          return EXIT_OK;
        }),
      ),
    );

  subscribers
    .command('remove')
    .description('unsubscribe an address from a list, or with --all from every list for good')
    .argument('<email>', 'the address')
    .option('--list <id>', 'the list')
    .option('--all', 'every list, and never mail this address again')
    .option('--json', 'print one JSON document on stdout')
    .action((email: string, options: { list?: string; all?: boolean; json?: boolean }) =>
      run(async () => {
        if (Boolean(options.list) === Boolean(options.all)) throw new UsageError('Give --list ID or --all.');
        return withStore(options.list, async (store) => {
          const address = normalizeAddress(email);
          if (!address.ok) throw new UsageError(`"${email}" ${address.reason}.`);
          if (options.all) {
            await store.suppress(address.address, 'unsubscribed', { source: 'cli' });
            say(`${address.address} is unsubscribed from every list and will not be mailed again.`);
            if (options.json)
              printJson({ ok: true, email: address.address, list: null, status: 'unsubscribed' });
            return EXIT_OK;
          }
          const changed = await store.setStatus(address.address, options.list!, 'unsubscribed', {
            source: 'cli',
          });
          say(
            changed
              ? `${address.address} is unsubscribed from ${options.list}.`
              : `${address.address} is not on ${options.list}; nothing changed.`,
          );
          if (options.json)
            printJson({
              ok: changed,
              email: address.address,
              list: options.list,
              status: changed ? 'unsubscribed' : null,
            });
          return changed ? EXIT_OK : EXIT_FAILED;
        });
      }),
    );

  subscribers
    .command('list')
    .description('count subscribers per list and status')
    .option('--json', 'print one JSON document on stdout')
    .action((options: { json?: boolean }) =>
      run(() =>
        withStore(undefined, async (store, config) => {
          const counts = await store.counts();
          const lists = config.lists.map((list) => ({
            id: list.id,
            name: list.name,
            counts: Object.fromEntries(
              LIST_STATUSES.map((status) => [
                status,
                counts.find((c) => c.list === list.id && c.status === status)?.count ?? 0,
              ]),
            ),
          }));
          for (const list of lists)
            say(
              `${list.id} (${list.name}): ${LIST_STATUSES.map((s) => `${list.counts[s]} ${s}`).join(', ')}`,
            );
          if (options.json) printJson({ ok: true, lists });
          return EXIT_OK;
        }),
      ),
    );
}

function assertList(config: Config, list: string): void {
  const ids = config.lists.map((l) => l.id);
  if (!ids.includes(list))
    throw new UsageError(`Unknown list "${list}".${suggestion(list, ids)} The lists are: ${ids.join(', ')}.`);
}
