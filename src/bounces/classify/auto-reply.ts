import type { ReadMessage } from './mime.js';

/**
 * An RFC 3834 automatic answer (out of office, vacation, "I have a new address"): nothing to act
 * on. `Auto-Submitted: auto-replied` says so; many responders still do not send it, so the
 * headers they do send and the subjects they use count too. Checked after the report formats:
 * bounces say `Auto-Submitted` as well.
 */
const RESPONDER_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-mailautoreply'];

const SUBJECT = new RegExp(
  `^(?:${[
    'automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|auto:',
    'out of (?:the )?office|away from (?:the )?office|on vacation|i am (?:out|away)',
    'abwesenheitsnotiz|réponse automatique|respuesta automática',
  ].join('|')})`,
  'i',
);

export function isAutoReply(message: ReadMessage): boolean {
  const submitted = message.header('auto-submitted')?.toLowerCase() ?? '';
  if (submitted.startsWith('auto-replied')) return true;
  if (RESPONDER_HEADERS.some((name) => message.header(name) !== undefined)) return true;
  if (/^auto[_-]reply$/i.test(message.header('precedence') ?? '')) return true;
  // Exchange marks its out-of-office answers `auto-generated` and says the rest in the subject.
  return SUBJECT.test(message.subject.trim());
}
