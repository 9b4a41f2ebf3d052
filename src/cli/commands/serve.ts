import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { serveSite } from '../../server/static-site.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { say, shortPath } from '../io.js';
import type { GlobalOptions } from '../main.js';

export function registerServe(program: Command, run: (action: () => Promise<number>) => Promise<void>): void {
  program
    .command('serve')
    .description('serve the built web archive (dist/site/) on this machine')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--out <dir>', 'the build folder', 'dist')
    .action((options: { port: string; host: string; out: string }) =>
      run(async () => {
        const { root } = program.opts<GlobalOptions>();
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${options.port}".`);
        const siteDir = join(resolve(root, options.out), 'site');
        if (!existsSync(join(siteDir, 'index.html'))) throw new UsageError(`There is no built archive in ${shortPath(siteDir)}/. Run \`bulletin build\` first.`);
        const server = await serveSite(siteDir, port, options.host);
        const address = server.address();
        const actualPort = typeof address === 'object' && address ? address.port : port;
        say(`Serving the archive from ${shortPath(siteDir)}/ at http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${actualPort}/ (Ctrl-C stops)`);
        await new Promise<void>((done) => {
          const stop = () => server.close(() => done());
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        return EXIT_OK;
      }),
    );
}
