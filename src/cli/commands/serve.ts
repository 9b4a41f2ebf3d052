import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import type { ServeOptions } from './serve-run.js';

export function registerServe(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('serve')
    .description(
      'serve the web archive (dist/site/) and the subscription pages: subscribe, confirm, unsubscribe, preferences',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--out <dir>', 'the build folder', 'dist')
    .option('--watch', 'build the archive, then rebuild what each change to bulletins/ touches')
    .action((options: ServeOptions) =>
      run(async () => {
        // Loaded when the command runs: serving pulls in Fastify, SQLite and the mail transports.
        const { serveCommand } = await import('./serve-run.js');
        return serveCommand(program.opts<GlobalOptions>().root, options);
      }),
    );
}
