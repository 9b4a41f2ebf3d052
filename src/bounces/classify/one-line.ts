const MAX_ADDRESS_FIELD = 1000;

/** The longest diagnostic a report keeps (the contract of `ReportedRecipient.diagnostic`). */
const MAX_DIAGNOSTIC = 500;

/** Folded and multi-line server text as one line, trimmed to what a log line and a database can hold. */
export function oneLine(text: string | undefined): string | undefined {
  if (!text) return undefined;
  // Control characters from a hostile report would corrupt a terminal or a log line.
  const flat = text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!flat) return undefined;
  return flat.length > MAX_DIAGNOSTIC ? `${flat.slice(0, MAX_DIAGNOSTIC - 1)}…` : flat;
}

/** An address as reports give it (`rfc822; <Alice@Example.org>`) as the contract wants it: bare, lower case. */
export function bareAddress(value: string | undefined): string {
  if (!value) return '';
  // A hostile header can be a megabyte long; no address field needs more than this to be read.
  const short = value.slice(0, MAX_ADDRESS_FIELD);
  const withoutType = short.includes(';') ? short.slice(short.indexOf(';') + 1) : short;
  const match = /<?([^\s<>"';,]+@[^\s<>"';,]+?)>?(?:[\s,;]|$)/.exec(withoutType.trim());
  return match?.[1] ? match[1].toLowerCase() : '';
}
