/**
 * A loopback SMTP server for benchmarks, in its own process so it does not share an event loop
 * with what is measured: accepts everything, counts messages, prints its port on stdout.
 */
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.on('error', () => undefined);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.server.address() as { port: number }).port}\n`);
});
process.on('message', () => process.send?.(received));
process.on('disconnect', () => process.exit(0));
