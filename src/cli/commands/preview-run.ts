import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { linksOffline } from '../../checks/link-policy.js';
import { linkChecksFor, releaseStatusFor, sendTestFor } from '../../preview/actions.js';
import { createPreviewServer } from '../../preview/server.js';
import { PreviewSession } from '../../preview/session.js';
import { watchIssue } from '../../preview/watch.js';
import { openExistingStores } from '../../store/stores.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { say, shortPath } from '../io.js';
import { selectDates } from '../select-dates.js';

export interface PreviewOptions {
  port: string;
  host: string;
  offline?: boolean;
  open?: boolean;
}

/** `bulletin preview`: a live page of one issue, rebuilt on each save, until a signal. */
export async function previewCommand(
  root: string,
  date: string | undefined,
  options: PreviewOptions,
): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, not "${options.port}".`);
  // "Send test" goes out through the site's SMTP server with no login in front: this machine only.
  if (!isLoopback(options.host))
    throw new UsageError(
      `--host ${options.host} would let other machines use the preview, and its "send test" sends mail through your SMTP server; the preview listens on this machine only (127.0.0.1, ::1 or localhost).`,
    );
  const [issue] = await selectDates(root, date ? [date] : [], false);
  if (!issue) throw new UsageError('There is no issue to preview; start one with `bulletin new`.');
  if (!existsSync(join(root, 'bulletins', issue)))
    throw new UsageError(
      `There is no issue ${issue} (no folder bulletins/${issue}/). Start it with \`bulletin new --date ${issue}\`, or give the date of an issue that exists.`,
    );
  const offline = Boolean(options.offline) || linksOffline();

  const release = releaseStatusFor(root, issue, (config) => openExistingStores(root, config));
  const session = new PreviewSession({
    root,
    date: issue,
    release,
    releasePollMs: Number(process.env.BULLETIN_PREVIEW_POLL_MS) || 5000,
    ...(offline ? {} : { slowChecks: linkChecksFor(root) }),
  });
  const app = await createPreviewServer({
    session,
    host: options.host,
    sendTest: sendTestFor(root, issue),
  });
  const origin = (await app.listen({ port, host: options.host })).replace(/\/$/, '');
  // The first build waits for the address: the email's links and images point at this server.
  session.siteUrl = `${origin}/site/`;
  await session.rebuild();
  const shown = session.shown;
  const ownTemplates =
    shown?.templatesDir && !relative(resolve(root), resolve(shown.templatesDir)).startsWith('..')
      ? shown.templatesDir
      : undefined;
  const stopPolling = session.pollRelease();
  const stopWatching = await watchIssue(
    {
      root,
      issueDir: join(root, 'bulletins', issue),
      ...(ownTemplates ? { templatesDir: ownTemplates } : {}),
    },
    (templates) => void session.rebuild(templates),
  );
  // The port answers before the watcher is ready, so a save in between (a writer quick off the
  // mark, a script polling the port) reached no one: build once more now that saves are seen.
  void session.rebuild(true);

  await new Promise<void>((done) => {
    const stop = async () => {
      await stopWatching();
      stopPolling();
      session.stop();
      await app.close();
      // The database kept open for the release status; the preview ends even if closing it fails.
      await release.close().finally(done);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
    const state = session.latest;
    say(`Previewing ${issue} at ${origin}/ (Ctrl-C stops)`);
    say(
      `  watching  ${shortPath(join(root, 'bulletins', issue))}/${ownTemplates ? ` and ${shortPath(ownTemplates)}/` : ''}`,
    );
    say(
      `  links     ${offline ? `not checked (${options.offline ? '--offline' : 'BULLETIN_OFFLINE is set'})` : 'checked over the network after each save'}`,
    );
    if (state)
      say(
        `  now       ${count(state.problems.filter((p) => p.severity === 'error').length, 'error')}, ${count(state.problems.filter((p) => p.severity === 'warning').length, 'warning')}`,
      );
    if (options.open) {
      // `open` knows each platform's way (xdg-open, open, start, WSL); without a desktop it only says
      // so.
      void import('open')
        .then(({ default: open }) => open(`${origin}/`))
        .catch((error: Error) =>
          say(`  (could not open a browser: ${error.message}; open ${origin}/ by hand)`),
        );
    }
  });
  return EXIT_OK;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
