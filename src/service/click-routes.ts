import type { FastifyReply, FastifyRequest } from 'fastify';
import { clickSignatureValid } from '../analytics/click-signature.js';
import { type ClickStore, hourOf } from '../analytics/click-store.js';
import { isScannerAgent } from '../analytics/scanner-agents.js';
import { BurstDetector } from '../analytics/scanner-bursts.js';
import { parseUrl } from '../support/errors.js';
import type { ServiceContext } from './context.js';

const ISSUE = /^\d{4}-\d\d-\d\d$/;
const LINK = /^[0-9a-f]{10}$/;

/**
 * `/r/<issue>/<link>?s=<signature>`: a link of a sent email (`analytics.clicks`). The target comes
 * from the issue's link table, never from the request, and is sent to only when the signature over
 * issue, link and target holds: a changed link, signature or stored target answers 400 and
 * redirects nowhere. A GET is counted (one appended row: issue, link, hour, reader or scanner),
 * once per client and link within the burst window (a double tap counts once); a HEAD is answered
 * alike and counted as a scanner's, never a reader's.
 */
export function clickRoutes(context: ServiceContext, clicks: ClickStore): void {
  const { app } = context;
  const bursts = new BurstDetector();

  const refuse = async (request: FastifyRequest, reply: FastifyReply, reason: string) => {
    if (!(await context.badLink(request, reply))) return reply;
    request.log.info({ event: 'bad-click-link', reason }, 'a click link was refused');
    return context.pages.fixedNotice(reply, 400, {
      title: 'This link does not work',
      paragraphs: [
        'The link may have been cut short or changed when it was copied.',
        'Open the bulletin on the web to find what you were looking for.',
      ],
      next: { href: '/', text: 'Go to the bulletins' },
    });
  };

  app.get('/r/:issue/:link', async (request, reply) => {
    const { issue, link: id } = request.params as { issue: string; link: string };
    const signature = (request.query as { s?: unknown }).s;
    if (!ISSUE.test(issue) || !LINK.test(id) || typeof signature !== 'string' || signature.length > 64)
      return refuse(request, reply, 'malformed');
    const link = await clicks.link(issue, id);
    if (!link) return refuse(request, reply, 'unknown-link');
    const protocol = parseUrl(link.target)?.protocol;
    if (
      (protocol !== 'https:' && protocol !== 'http:') ||
      !clickSignatureValid(context.secrets.all, issue, id, link.target, signature)
    )
      return refuse(request, reply, 'signature');
    const at = context.now();
    const agent = request.headers['user-agent'] ?? '';
    const verdict = bursts.see(request.ip, agent, { issue, link: id, linksInIssue: link.linksInIssue, at });
    const scanner = request.method === 'HEAD' || isScannerAgent(agent) || verdict.scanner;
    try {
      const kind = scanner ? 'scanner' : 'reader';
      if (!verdict.repeat) verdict.counted(await clicks.record({ issue, link: id, hour: hourOf(at), kind }));
      if (verdict.relabel.length) await clicks.relabelScanner(verdict.relabel);
    } catch (error) {
      // The reader still gets where they were going; a count lost is the lesser harm.
      request.log.error({ event: 'click-not-counted', err: error as Error }, 'a click was not counted');
    }
    return reply.code(302).header('location', link.target).header('cache-control', 'no-store').send();
  });
}
