import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from './context.js';

/**
 * What a browser says of where a request came from (Fetch Metadata); these two are the site itself, or the
 * user.
 */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Whether a form post may have come from another site: a page elsewhere that makes its visitors'
 * browsers subscribe some address, or change someone's lists from a link it has seen. Browsers
 * say where a POST came from (Sec-Fetch-Site, Origin); clients that say neither (curl, a mail
 * provider) are not browsers carrying someone's visit, and pass.
 */
export function isCrossSite(context: ServiceContext, request: FastifyRequest): boolean {
  // A browser that sends Sec-Fetch-Site (no page can forge it) is believed: its Origin is "null"
  // on our own forms, since every page says Referrer-Policy: no-referrer.
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string') return !OWN_FETCH_SITES.has(fetchSite);
  const origin = request.headers.origin;
  // Older browsers: "null" is what they may send for our own no-referrer pages too.
  if (origin === undefined || origin === 'null') return false;
  // The public address (site.baseUrl, or BULLETIN_BASE_URL), and the one this request was made to
  // (its Host, or behind a trusted proxy X-Forwarded-Host and -Proto).
  const own = new Set([new URL(context.config.site.baseUrl).origin, `${request.protocol}://${request.host}`]);
  return !own.has(origin);
}

/** A preHandler for the routes a browser form posts to: another site's post gets a page saying so. */
export function refuseCrossSite(context: ServiceContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isCrossSite(context, request)) return;
    const event = { event: 'cross-site-refused', url: request.routeOptions.url };
    request.log.info(event, 'a form post from another site was refused');
    return context.pages.notice(reply, 403, {
      title: 'This form was sent from another site',
      paragraphs: ['Nothing was changed. To subscribe or change your lists, use the forms on this site.'],
      next: { href: '/subscribe', text: 'Go to the subscribe page' },
    });
  };
}
