import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPublicAddress, literalAddress } from './link-address.js';

/** Every address a host name has, as `dns.lookup` with `all: true` gives them. */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface AddressPolicy {
  /** Looks host names up; the system's resolver unless a test gives its own. */
  resolve?: Resolve;
  /** Whether a request may go to this address; public addresses only unless said otherwise. */
  allows?: (address: string) => boolean;
}

/** What the link checker asks with: one request, no redirect followed. A fake in tests. */
export type LinkFetch = (url: string, init: LinkRequest) => Promise<LinkResponse>;
export interface LinkRequest {
  method: 'HEAD' | 'GET';
  redirect: 'manual';
  signal: AbortSignal;
  headers: Record<string, string>;
}
export interface LinkResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: { cancel(): Promise<unknown> } | null;
}

/** A request the policy kept from being made: its address is not one the checker may reach. */
export class PrivateAddressError extends Error {
  readonly code = 'ERR_PRIVATE_ADDRESS';
  constructor(readonly address: string) {
    super(`${address} is not a public address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A fetch whose every connection goes to an address the policy allows, decided on the address
 * itself rather than on how the link spells it. An address written in the link is judged before
 * anything is sent. A host name is looked up by the connection itself, through a lookup that
 * judges every answer and hands the socket only those: the address connected to is the one that
 * was judged, so a name server that answers differently a moment later (DNS rebinding) changes
 * nothing. The Host header and TLS server name stay the host name, as the URL has them.
 *
 * Each request has its own connection pool, so each looks its host up again: a HEAD and the GET
 * after it, or two hops of a redirect, are judged one by one. Redirects are not followed here;
 * the caller follows them, through this fetch again.
 */
export function guardedFetch(policy: AddressPolicy = {}): LinkFetch {
  const resolve = policy.resolve ?? ((hostname) => systemLookup(hostname, { all: true, verbatim: true }));
  const allows = policy.allows ?? isPublicAddress;
  return async (url, init) => {
    const written = literalAddress(new URL(url).hostname);
    if (written !== undefined && !allows(written)) throw new PrivateAddressError(written);
    const pool = new Agent({ connect: { lookup: judgedLookup(resolve, allows) } });
    try {
      const response = await undiciFetch(url, { ...init, dispatcher: pool });
      // Closes once this request is over: the caller reads the headers and drops the body.
      pool.close().catch(() => undefined); // a pool going away: a failed close leaves nothing to do
      return response;
    } catch (error) {
      pool.destroy().catch(() => undefined); // as above; the request's own error is what matters
      throw error;
    }
  };
}

/**
 * A `lookup` for `net.connect`: every answer judged, the request refused if any one is not
 * allowed (a name that also points inside the network is not one to trust with the others).
 */
function judgedLookup(resolve: Resolve, allows: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    const judged = resolve(hostname).then((answers) => {
      const family = options.family === 4 || options.family === 6 ? options.family : undefined;
      const wanted = family ? answers.filter((answer) => answer.family === family) : answers;
      if (wanted.length === 0) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      }
      const refused = answers.find((answer) => !allows(answer.address));
      if (refused) throw new PrivateAddressError(refused.address);
      return wanted;
    });
    judged.then(
      (answers) =>
        options.all ? callback(null, answers) : callback(null, answers[0]!.address, answers[0]!.family),
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
