import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import type { Writable } from 'node:stream';
import { normalizeAddress } from '../support/email-address.js';
import type { NewSubscriber, SubscriberRecord } from './store.js';

export interface RowProblem {
  /** The line of the file the row starts on (the header is line 1). */
  line: number;
  message: string;
}

export interface ParsedImport {
  rows: NewSubscriber[];
  problems: RowProblem[];
  /** Rows whose address (after normalizing case and spaces) appeared earlier in the file. */
  duplicates: number;
}

/**
 * Reads a subscriber CSV: a header row with `email` (required), `name` (optional) and any other
 * columns, kept as attributes. Every bad row is reported with its line, so a whole file is fixed in
 * one pass; the caller imports nothing while there is any.
 */
export function parseSubscriberCsv(text: string): ParsedImport {
  let records: { record: Record<string, string>; info: { lines: number }; raw: string }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      raw: true,
    }) as { record: Record<string, string>; info: { lines: number }; raw: string }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return {
      rows: [],
      duplicates: 0,
      problems: [{ line, message: `the file is not valid CSV: ${(error as Error).message}` }],
    };
  }
  const header = parseHeader(text);
  if (!header.includes('email')) {
    return {
      rows: [],
      duplicates: 0,
      problems: [
        {
          line: 1,
          message: `the header row has no "email" column (found: ${header.join(', ') || 'nothing'}); the first row must name the columns, e.g. email,name`,
        },
      ],
    };
  }
  const seen = new Map<string, NewSubscriber>();
  const problems: RowProblem[] = [];
  let duplicates = 0;
  for (const { record, info, raw: rawText } of records) {
    // csv-parse counts the line a record ends on; a quoted field may span lines, so step back.
    const inner = rawText.replace(/^\n+/, '').replace(/\r?\n$/, '');
    const line = info.lines - (inner.match(/\n/g)?.length ?? 0);
    const raw = unescapeFormula(record.email ?? '');
    const address = normalizeAddress(raw);
    if (!address.ok) {
      problems.push({ line, message: `"${raw.replace(/[\r\n]/g, '\\n').slice(0, 80)}" ${address.reason}` });
      continue;
    }
    const name = unescapeFormula(record.name ?? '').trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: it looks for control characters
    if (name && /[\r\n\u0000-\u001f]/.test(name)) {
      problems.push({ line, message: 'the name has a line break or control character' });
      continue;
    }
    const attributes = Object.fromEntries(
      Object.entries(record).filter(([key, value]) => key !== 'email' && key !== 'name' && value !== ''),
    );
    if (seen.has(address.address)) duplicates++;
    seen.set(address.address, { email: address.address, ...(name ? { name } : {}), attributes });
  }
  return { rows: [...seen.values()], problems, duplicates };
}

/**
 * The first characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"),
 * as csv-stringify's `escape_formulas` lists them, fullwidth forms included.
 */
const FORMULA_START = /^'[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * Undoes the export's escaping, so importing an exported file keeps every name as it was. Only an
 * apostrophe before a formula character is dropped: a name written 'Ohana by hand stays as written.
 */
function unescapeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? cell.slice(1) : cell;
}

function parseHeader(text: string): string[] {
  const first = (parse(text, { bom: true, to_line: 1, skip_empty_lines: true }) as string[][])[0] ?? [];
  return first.map((h) => h.trim().toLowerCase());
}

export const EXPORT_COLUMNS = [
  'email',
  'name',
  'list',
  'status',
  'consent_at',
  'consent_source',
  'consent_evidence',
] as const;

/**
 * Writes subscribers as CSV, streaming: a list of 100,000 never sits in memory as text.
 * The file is for people, opened in a spreadsheet, and names come from the public form: a cell
 * starting with = + - @ tab or CR gets a leading apostrophe (`escape_formulas`), which spreadsheets
 * hide and read as "this is text", so `=HYPERLINK(...)` is shown, never run. Import removes it.
 */
export async function writeSubscriberCsv(
  records: AsyncIterable<SubscriberRecord>,
  out: Writable,
): Promise<number> {
  const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS], escape_formulas: true });
  csv.pipe(out, { end: false });
  let count = 0;
  for await (const r of records) {
    const row = {
      email: r.email,
      name: r.name ?? '',
      list: r.list,
      status: r.status,
      consent_at: r.statusAt,
      consent_source: r.statusSource,
      // JSON, as the consent log keeps it: a bounce's status code, the server's words, the report's id.
      consent_evidence: r.statusEvidence ? JSON.stringify(r.statusEvidence) : '',
    };
    if (!csv.write(row)) await new Promise((resolve) => csv.once('drain', resolve));
    count++;
  }
  await new Promise<void>((resolve, reject) => {
    csv.once('end', resolve);
    csv.once('error', reject);
    csv.end();
  });
  return count;
}
