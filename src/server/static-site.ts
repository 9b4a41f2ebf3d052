import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.ics': 'text/calendar; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pf_meta': 'application/octet-stream',
  '.pf_fragment': 'application/octet-stream',
  '.pf_index': 'application/octet-stream',
  '.pagefind': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/**
 * Serves the built archive as a static host would (folders answer with their index.html, unknown
 * paths with 404.html). Written on node:http because it is a few lines and the subscription
 * service will share the server; a framework would add a dependency for no gain here.
 */
export function staticSiteHandler(siteDir: string) {
  const root = resolve(siteDir);
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    const rawPath = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      response.writeHead(400).end();
      return;
    }
    // An encoded slash or a leading "//" has no file behind it, and would make an open redirect below.
    if (rawPath.startsWith('//') || /%2f|%5c/i.test(rawPath)) {
      await send(response, join(root, '404.html'), 404, request.method === 'HEAD');
      return;
    }
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(404).end();
      return;
    }
    const found = await findFile(file);
    if (!found) {
      await send(response, join(root, '404.html'), 404, request.method === 'HEAD');
      return;
    }
    if (found.endsWith(`${sep}index.html`) && !path.endsWith('/') && !file.endsWith('index.html')) {
      // The path as requested (still encoded), so the Location stays on this site.
      response.writeHead(301, { location: `${rawPath}/` }).end();
      return;
    }
    await send(response, found, 200, request.method === 'HEAD');
  };
}

async function findFile(file: string): Promise<string | undefined> {
  for (const candidate of [file, join(file, 'index.html')]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

async function send(response: ServerResponse, file: string, status: number, headOnly: boolean): Promise<void> {
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  const cache = extname(file) === '.html' ? 'no-cache' : 'public, max-age=300';
  try {
    const info = await stat(file);
    response.writeHead(status, { 'content-type': type, 'content-length': info.size, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
    if (headOnly) response.end();
    else {
      const stream = createReadStream(file);
      // A file removed between stat and read (a rebuild swapping the site) ends the response, not the server.
      stream.once('error', () => response.destroy());
      stream.pipe(response);
    }
  } catch {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
  }
}

export function serveSite(siteDir: string, port: number, host = '127.0.0.1'): Promise<Server> {
  const handler = staticSiteHandler(siteDir);
  const server = createServer((request, response) => {
    handler(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolvePromise(server));
  });
}
