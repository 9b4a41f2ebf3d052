import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Received {
  /** The envelope sender (MAIL FROM) the server was given: '' for a null sender. */
  from: string;
  to: string[];
  raw: Buffer;
  /** When the data arrived (ms since the epoch), to measure the rate a server sees. */
  at: number;
}

export interface FakeRules {
  /** Reply to RCPT TO with this code (e.g. 550) for an address; a function can vary by attempt. */
  rcpt?(address: string, attempt: number): number | undefined;
  /** After the message data arrives: drop the connection without a reply. */
  dropAfterData?(to: string[], attempt: number): boolean;
  /** After the message data arrives: never answer (a server that stopped responding). */
  hangAfterData?(to: string[], attempt: number): boolean;
  /** Answer each message this many milliseconds late (a slow server, to catch a send mid-way). */
  delayMs?: number;
  /** Close each connection after it has carried this many messages (answered first). */
  closeEvery?: number;
}

/** A real SMTP server in this process, on 127.0.0.1 and a free port, with faults on demand. */
export async function startSmtpServer(rules: FakeRules = {}) {
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  const perConnection = new Map<string, number>();
  const socketOf = (session: SMTPServerSession) => {
    const connections = (
      server as unknown as { connections: Set<{ session: SMTPServerSession; _socket: { destroy(): void } }> }
    ).connections;
    for (const connection of connections) if (connection.session === session) return connection._socket;
    return undefined;
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session: SMTPServerSession, callback) {
      const attempt = (rcptAttempts.get(address.address) ?? 0) + 1;
      rcptAttempts.set(address.address, attempt);
      const code = rules.rcpt?.(address.address, attempt);
      if (code) {
        const error = Object.assign(new Error(code >= 500 ? 'No such user here' : 'Try again later'), {
          responseCode: code,
        });
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const key = to.join(',');
        const attempt = (dataAttempts.get(key) ?? 0) + 1;
        dataAttempts.set(key, attempt);
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push({ from, to, raw: Buffer.concat(chunks), at: Date.now() });
        if (rules.hangAfterData?.(to, attempt)) return;
        if (rules.closeEvery) {
          const count = (perConnection.get(session.id) ?? 0) + 1;
          perConnection.set(session.id, count);
          if (count % rules.closeEvery === 0) {
            callback();
            setImmediate(() => socketOf(session)?.destroy());
            return;
          }
        }
        if (rules.dropAfterData?.(to, attempt)) {
          // The message is here, but the client never hears so: its outcome is unknown to it.
          socketOf(session)?.destroy();
          return;
        }
        if (rules.delayMs) setTimeout(() => callback(), rules.delayMs);
        else callback();
      });
    },
  });
  // A client killed mid-conversation resets its socket: that is the test, not a failure of the server.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    deliveredTo: (address: string) => received.filter((r) => r.to.includes(address)).length,
    parse: (r: Received): Promise<ParsedMail> => simpleParser(r.raw),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
