import { Transform, type TransformCallback } from 'node:stream';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Every body this service reads is a small form: 16 KB is many times the largest real one. */
export const BODY_LIMIT = 16 * 1024;

const tooLarge = () => Object.assign(new Error('request body too large'), { statusCode: 413 });

/**
 * Counts the bytes of a body as they are read, and stops at the limit. Content-Length alone
 * says nothing of a chunked body, so the count is what decides.
 */
class ByteCap extends Transform {
  receivedEncodedLength = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.receivedEncodedLength += chunk.length;
    if (this.receivedEncodedLength > this.limit) done(tooLarge());
    else done(null, chunk);
  }
}

const limitOf = (request: FastifyRequest) => request.routeOptions.bodyLimit ?? BODY_LIMIT;

/**
 * Bodies of at most BODY_LIMIT bytes (or the route's own `bodyLimit`: the provider webhooks'),
 * whatever their framing: a declared length over it is refused before a byte is read, and every
 * body is read through a counter. Multipart (mail providers may send the one-click POST that way)
 * is parsed here from the counted stream, into plain fields; files are never accepted.
 */
export function limitBodies(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const length = Number(request.headers['content-length'] ?? 0);
    done(length > limitOf(request) ? tooLarge() : undefined);
  });
  app.addHook('preParsing', (request, _reply, payload, done) => {
    // Fastify reads no body for these.
    if (request.method === 'GET' || request.method === 'HEAD') return done(null, payload);
    const counted = new ByteCap(limitOf(request));
    payload.on('error', (error) => counted.destroy(error));
    done(null, payload.pipe(counted));
  });
  app.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    const fields: Record<string, string | string[]> = {};
    let parser: BusboyInstance;
    try {
      const limits = { files: 0, fields: 20, fieldSize: 4096, parts: 20 };
      parser = new Busboy({ headers: request.headers as BusboyHeaders, limits });
    } catch (error) {
      // No boundary, or not multipart after all: a bad request, not a server fault.
      return done(Object.assign(error as Error, { statusCode: 400 }));
    }
    let failed = false;
    const fail = (error: Error & { statusCode?: number }) => {
      if (failed) return;
      failed = true;
      payload.unpipe(parser);
      done(Object.assign(error, { statusCode: error.statusCode ?? 400 }));
    };
    parser.on('field', (name, value) => {
      const earlier = fields[name];
      fields[name] = earlier === undefined ? value : [earlier, value].flat();
    });
    parser.on('file', (_name, stream) => stream.resume());
    parser.on('partsLimit', () => fail(Object.assign(new Error('too many parts'), { statusCode: 413 })));
    parser.on('fieldsLimit', () => fail(Object.assign(new Error('too many fields'), { statusCode: 413 })));
    parser.on('error', fail);
    parser.on('finish', () => {
      if (!failed) done(null, fields);
    });
    payload.on('error', fail);
    payload.pipe(parser);
  });
}
