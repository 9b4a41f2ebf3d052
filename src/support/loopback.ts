/**
 * Whether a host name is this machine's loopback (`localhost`, 127.0.0.0/8, `::1`): traffic to it
 * never crosses a network, so what is safe there (plain http, a password without TLS) is not elsewhere.
 */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}
