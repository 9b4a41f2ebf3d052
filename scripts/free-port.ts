import { createServer } from 'node:net';

/**
 * A port nothing listens on now, for a server that cannot listen on port 0 itself (PostgreSQL and
 * Dovecot take their port from a config file). Another process may take it before the server
 * starts, so the callers retry.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
