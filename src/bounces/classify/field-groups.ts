/**
 * The body of a `message/delivery-status` (RFC 3464 §2.1) or `message/feedback-report` (RFC 5965
 * §3.1) part: groups of header-style fields separated by blank lines, the first about the message,
 * each further one about one recipient. Written by hand because mailparser hands these parts over
 * as an opaque body (it parses headers of MIME parts only), and its header parser cannot be fed
 * one group at a time.
 */

export type FieldGroup = Map<string, string>;

/** A hostile report could list a million recipients; no genuine one reports this many. */
const MAX_GROUPS = 1000;
const MAX_FIELD = 4000;

export function parseFieldGroups(body: string): FieldGroup[] {
  const groups: FieldGroup[] = [];
  let group: FieldGroup = new Map();
  let last: string | undefined;
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (group.size > 0) groups.push(group);
      if (groups.length >= MAX_GROUPS) return groups;
      group = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line) && last) {
      // A folded continuation line (RFC 5322 §2.2.3).
      const joined = `${group.get(last) ?? ''} ${line.trim()}`;
      group.set(last, joined.slice(0, MAX_FIELD));
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      // The first of a repeated field counts, as a reader would take it.
      if (!group.has(last))
        group.set(
          last,
          line
            .slice(colon + 1)
            .trim()
            .slice(0, MAX_FIELD),
        );
      else last = undefined;
    }
  }
  if (group.size > 0 && groups.length < MAX_GROUPS) groups.push(group);
  return groups;
}

/** `smtp; 550 5.1.1 ...` and `rfc822; a@b` carry a type before the value (RFC 3464 §2.1.2). */
export function withoutType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*[a-z][\w-]*\s*;\s*/i.exec(value);
  return match ? value.slice(match[0].length) : value;
}
