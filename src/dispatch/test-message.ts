import type { Config } from '../content/model.js';
import type { CompiledEmail } from '../render/email/compile.js';
import { normalizeAddress } from '../support/email-address.js';
import { buildMessage } from './message.js';
import type { Transport } from './transports.js';

export type TestSend = { ok: true; address: string; response: string } | { ok: false; reason: string };

/**
 * One message to one address, outside any list's ledger, marked "[Test]" in its subject: what
 * `send --to` and the preview's "Send test" do. It carries a real unsubscribe link for `list`, so
 * the tester sees the footer exactly as subscribers will.
 */
export async function sendTestMessage(
  transport: Transport,
  email: CompiledEmail,
  config: Config,
  list: string,
  to: string,
  secret: string,
): Promise<TestSend> {
  const address = normalizeAddress(to);
  if (!address.ok) return { ok: false, reason: `"${to}" ${address.reason}` };
  const message = buildMessage(email, config, list, { email: address.address }, secret);
  const { response } = await transport.send({ ...message, subject: `[Test] ${message.subject as string}` });
  return { ok: true, address: address.address, response };
}
