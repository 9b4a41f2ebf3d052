import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isInside, readFileInside } from '../content/inside-folder.js';
import { packageRoot } from '../support/package-root.js';
import { SECURITY_HEADERS } from '../service/security.js';
import type { PreviewSession, PreviewState } from './session.js';

const STUDIO_DIR = join(packageRoot, 'src', 'preview', 'studio');

/**
 * The few types this server sends. Written out: the preview serves its own pages, the site's
 * assets and the issue's images, nothing a general MIME table would add to.
 */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ics': 'text/calendar; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
};
const IMAGE_EXTENSIONS = new Set(['.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif']);

/** The studio's own page: its script and styles only, framing only itself. */
const STUDIO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
/** The email as a mail app shows it: inline styles and remote images, never a script. */
const EMAIL_CSP =
  "default-src 'none'; style-src 'unsafe-inline' https:; img-src 'self' https: http: data:; font-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/** Someone reading the preview: fills the email's per-subscriber fields. */
const PREVIEW_READER = { email: 'reader@example.org', name: 'Sam Reader' };

export interface PreviewServerOptions {
  session: PreviewSession;
  /**
   * Sends the issue, as subscribers of `list` would get it, to one address; resolves with what the server
   * said.
   */
  sendTest: (
    to: string,
    list: string,
  ) => Promise<{ ok: true; address: string; response: string } | { ok: false; reason: string }>;
  /** Where it listens, for the Host check (a page elsewhere must not reach this server by DNS rebinding). */
  host: string;
}

/**
 * The studio: the page (`/`), its state as server-sent events (`/events`), the email (`/email.html`,
 * `/email.txt`), the archive page (`/site/...`), and "send test" (`POST /send-test`). Local only:
 * requests must name this machine as their Host, and the one action that does something carries
 * a token only the studio page can read.
 */
export async function createPreviewServer(options: PreviewServerOptions): Promise<FastifyInstance> {
  const { session } = options;
  const token = randomBytes(18).toString('base64url');
  const app = Fastify({ logger: false, bodyLimit: 4096, forceCloseConnections: true });
  const allowedHosts = new Set([
    '127.0.0.1',
    'localhost',
    '[::1]',
    options.host.includes(':') ? `[${options.host}]` : options.host,
  ]);

  app.addHook('onRequest', (request, reply, done) => {
    const host = (request.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!allowedHosts.has(host)) {
      void reply
        .code(421)
        .type('text/plain')
        .send(`This preview answers only to ${[...allowedHosts].join(', ')}.`);
      return;
    }
    reply.headers({
      ...SECURITY_HEADERS,
      'content-security-policy': STUDIO_CSP,
      'cache-control': 'no-store',
    });
    done();
  });

  app.get('/', (_request, reply) => studioFile(reply, 'studio.html'));
  app.get('/studio.js', (_request, reply) => studioFile(reply, 'studio.js'));
  app.get('/studio.css', (_request, reply) => studioFile(reply, 'studio.css'));
  // Browsers ask for one whatever the page says; an empty answer keeps a 404 out of the console.
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());

  app.get('/state', (_request, reply) => {
    const state = session.latest;
    if (!state) return reply.code(503).send({ building: true });
    return reply.send(withToken(state, token));
  });

  app.get('/events', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      ...Object.fromEntries(Object.entries(reply.getHeaders()).map(([k, v]) => [k, String(v)])),
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    const send = (state: PreviewState) =>
      reply.raw.write(`event: build\ndata: ${JSON.stringify(withToken(state, token))}\n\n`);
    // Reconnect within a second of a drop. On every (re)connection the latest state goes first, in
    // the same turn as the subscription, so no build falls between them; the page compares it with
    // what it shows and catches up (see studio.js).
    reply.raw.write('retry: 1000\n\n');
    if (session.latest) send(session.latest);
    const stop = session.onState(send);
    // A comment line now and then keeps proxies and the browser from calling the stream dead.
    const heartbeat = setInterval(() => reply.raw.write(': alive\n\n'), 15_000);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      stop();
    });
  });

  app.get('/email.html', (_request, reply) => {
    const email = session.shown?.email;
    if (!email)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send('<p>No email yet: fix the errors listed beside.</p>');
    // The HTML part alone: the frame waits for it after every save, and the text part is not shown here.
    const html = email.fillHtml({
      ...PREVIEW_READER,
      unsubscribeUrl: '/about/unsubscribe',
      preferencesUrl: '/about/preferences',
    });
    return reply
      .header('content-security-policy', EMAIL_CSP)
      .header('x-frame-options', 'SAMEORIGIN')
      .type('text/html; charset=utf-8')
      .send(html);
  });

  app.get('/email.txt', (_request, reply) => {
    const email = session.shown?.email;
    if (!email)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('No email yet: fix the errors listed beside.');
    return reply.type('text/plain; charset=utf-8').send(
      email.fill({
        ...PREVIEW_READER,
        unsubscribeUrl: 'https://(your unsubscribe link)',
        preferencesUrl: 'https://(your preferences link)',
      }).text,
    );
  });

  app.get('/about/:link', (request, reply) => {
    const what =
      (request.params as { link: string }).link === 'unsubscribe'
        ? 'unsubscribes the subscriber in one click'
        : "opens the subscriber's own preferences";
    return reply
      .header('x-frame-options', 'SAMEORIGIN')
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'self'")
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><title>Preview</title><p>In the email as sent, this link ${what}. Each subscriber's link is their own, signed.</p>`,
      );
  });

  app.get('/site/*', async (request, reply) => {
    // Fastify has decoded the path once already; decoding again would turn %252e into a dot.
    const path = ((request.params as { '*': string })['*'] ?? '').replace(/^\/+/, '');
    const shown = session.shown;
    const site = shown?.site?.();
    const file =
      site?.get(path) ??
      site?.get(path === '' || path.endsWith('/') ? `${path}index.html` : `${path}/index.html`);
    // The archive page frames only inside the studio.
    void reply
      .header('x-frame-options', 'SAMEORIGIN')
      .header(
        'content-security-policy',
        SECURITY_HEADERS['content-security-policy']!.replace(
          "frame-ancestors 'none'",
          "frame-ancestors 'self'",
        ),
      );
    if (file !== undefined)
      return reply
        .type(CONTENT_TYPES[extname(path) || '.html'] ?? 'application/octet-stream')
        .send(typeof file === 'string' ? file : Buffer.from(file));
    const image = shown ? await issueImage(shown.issueDir, shown.date, path) : undefined;
    if (image) return reply.type(CONTENT_TYPES[extname(path).toLowerCase()]!).send(image);
    return reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send(
        `Not in this preview: /site/${path}. The preview has the issue's own page; the rest of the archive is made by \`bulletin build\`.`,
      );
  });

  const sendTestBody = z.object({ to: z.string().trim().min(1).max(320), list: z.string().min(1).max(100) });
  // Checked before the body is read, so a cross-site form post is refused whatever it claims to be.
  const fromStudio = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.headers['x-preview-token'] === token) return done();
    void reply.code(403).send({ ok: false, reason: 'This action only works from the preview page itself.' });
  };
  app.post('/send-test', { onRequest: fromStudio }, async (request, reply) => {
    const body = sendTestBody.safeParse(request.body);
    if (!body.success)
      return reply.code(400).send({
        ok: false,
        reason:
          'Give an email address to send the test to, and the list whose subscribers it should look like.',
      });
    try {
      const sent = await options.sendTest(body.data.to, body.data.list);
      return reply.code(sent.ok ? 200 : 400).send(sent);
    } catch (error) {
      return reply
        .code(502)
        .send({ ok: false, reason: `The test was not sent: ${(error as Error).message}` });
    }
  });

  return app;
}

function withToken(state: PreviewState, token: string): PreviewState & { token: string } {
  return { ...state, token };
}

async function studioFile(reply: FastifyReply, name: string): Promise<FastifyReply> {
  return reply.type(CONTENT_TYPES[extname(name)]!).send(await readFile(join(STUDIO_DIR, name)));
}

/**
 * `issues/DATE/photo.jpg` -> the image beside the issue's Markdown (the build would resize it; the
 * preview shows it as is). The same rule as `check`: the file, links followed, is in the folder.
 */
async function issueImage(issueDir: string, date: string, path: string): Promise<Buffer | undefined> {
  const prefix = `issues/${date}/`;
  if (!path.startsWith(prefix) || !IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) return undefined;
  const target = resolve(issueDir, path.slice(prefix.length));
  if (!isInside(target, issueDir)) return undefined;
  try {
    return await readFileInside(target, issueDir);
  } catch (error) {
    // No such file, or a folder named like an image: not in this preview either way.
    if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? ''))
      return undefined;
    throw error;
  }
}
