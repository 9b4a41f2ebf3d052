import { mailboxAddress, whereOf } from '../../bounces/imap-url.js';
import { TOO_LARGE_KEYWORD, readBounceMailbox } from '../../bounces/imap.js';
import { loadConfig } from '../../content/config.js';
import { SetupError } from '../../diagnostics/setup-error.js';
import { loadSecrets } from '../../dispatch/secret.js';
import { openStores } from '../../store/stores.js';
import { bounceHandler, mailboxSettings } from '../bounce-mailbox.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../exit.js';
import { printJson, say } from '../io.js';

/**
 * `bulletin bounces fetch`: the bounce mailbox read once. Exit 1 when it cannot be reached (one
 * line naming the server and the cause) or when a message could not be handled (left for next time).
 */
export async function bouncesFetchCommand(root: string, options: { json?: boolean }): Promise<number> {
  // First: a key production refuses should stop the command before any work is done.
  const secrets = loadSecrets(root);
  const { config } = await loadConfig(root);
  if (!config) throw new UsageError('The config does not load; run `bulletin check` to see why.');
  const settings = mailboxSettings(config);
  if (!settings)
    throw new SetupError(
      'There is no bounce mailbox: set dispatch.bounces.imap.url in bulletin.config.yaml (see the README).',
    );
  const where = `${whereOf(mailboxAddress(settings.url))} ${settings.folder}`;
  const stores = await openStores(root, config);
  try {
    const result = await readBounceMailbox(
      { ...settings, log: (line) => say(`${where}: ${line}`) },
      bounceHandler(config, stores, secrets.all, say),
    );
    say(
      `${where}: read ${result.read}, handled ${result.handled} (moved to ${settings.processedFolder}), ` +
        `failed ${result.failed}`,
    );
    if (result.skipped)
      say(
        `  ${result.skipped} over the size limit, left unread and flagged ${TOO_LARGE_KEYWORD}: look at them by hand.`,
      );
    if (options.json) printJson({ ok: result.failed === 0, mailbox: where, ...result });
    return result.failed ? EXIT_FAILED : EXIT_OK;
  } finally {
    await stores.close();
  }
}
