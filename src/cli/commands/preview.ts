import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import type { PreviewOptions } from './preview-run.js';

export function registerPreview(
  program: Command,
  run: (action: () => Promise<number>) => Promise<void>,
): void {
  program
    .command('preview')
    .description(
      'a live page of one issue as subscribers will see it (desktop, phone, plain text, archive), with its problems, updated as you save',
    )
    .argument('[date]', 'the issue (YYYY-MM-DD); default: the latest')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '4000')
    .option('--host <address>', 'address to listen on (the preview is for this machine)', '127.0.0.1')
    .option('--offline', 'do not check links over the network (also BULLETIN_OFFLINE=1)')
    .option('--open', 'open the page in the default browser')
    .addHelpText(
      'after',
      '\n"Send test" in the page sends through SMTP_URL, or into .bulletin/outbox/ without it.',
    )
    .action((date: string | undefined, options: PreviewOptions) =>
      run(async () => {
        // Loaded when the command runs: the preview pulls in the whole pipeline and a server.
        const { previewCommand } = await import('./preview-run.js');
        return previewCommand(program.opts<GlobalOptions>().root, date, options);
      }),
    );
}
