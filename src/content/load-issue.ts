import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sourceText } from '../diagnostics/source-text.js';
import { didYouMean, suggestion } from '../diagnostics/suggest.js';
import { controlCharacterProblems, withoutRepeatedLineBreaks } from './control-check.js';
import { splitFrontMatter, type FrontMatterFile } from './front-matter.js';
import type { Issue, Item, Meeting } from './model.js';
import { readSource } from './read-source.js';
import { causeOf, isErrno } from '../support/errors.js';
import {
  isCalendarDate,
  issueSchema,
  itemKinds,
  itemSchemas,
  type Config,
  type ItemFrontMatter,
  type ItemKind,
} from './schema.js';
import { describeValue, validateFrontMatter } from './validate.js';
import { placeOfPath } from './yaml-place.js';

export const ISSUE_FILE = 'issue.md';

export interface LoadedIssue {
  /** Present only when the issue has no errors (warnings may still follow from the checks). */
  issue: Issue | undefined;
  /** Every file whose front matter could be split, valid or not (even with YAML errors), for checks of the Markdown bodies. */
  files: FrontMatterFile[];
  problems: Diagnostic[];
}

/**
 * Reads every file of `bulletins/DATE/` and reports every problem in all of them, so a comms
 * officer fixes a week in one pass rather than one error per run.
 */
export async function loadIssue(root: string, date: string, config: Config): Promise<LoadedIssue> {
  const dir = join(root, 'bulletins', date);
  const display = (name: string) => relative(process.cwd(), join(dir, name)) || name;
  const problems: Diagnostic[] = [];

  if (!isCalendarDate(date)) {
    problems.push(
      diagnose(
        sourceText(display(ISSUE_FILE), ''),
        { line: 1, column: 1 },
        'folder-name',
        `Issue folder "${date}" is not named by a date.`,
        'Name each issue folder by its publication date, YYYY-MM-DD.',
      ),
    );
  }

  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.md') && !n.startsWith('.')).sort();
  } catch (error) {
    problems.push(
      isErrno(error, 'ENOENT')
        ? diagnose(
            sourceText(display(''), ''),
            { line: 1, column: 1 },
            'issue-missing',
            `There is no issue folder ${display('')}.`,
            `Create it with \`bulletin new --date ${date}\`.`,
          )
        : diagnose(
            sourceText(display(''), ''),
            { line: 1, column: 1 },
            'file-unreadable',
            `Cannot read the issue folder ${display('')} (${causeOf(error)}).`,
            'Check that it is a folder (not a file or a broken link) and that you may read it.',
          ),
    );
    return { issue: undefined, files: [], problems };
  }

  const files = new Map<string, FrontMatterFile>();
  /** Files whose body could be found, including those with YAML errors: their Markdown is checked too. */
  const bodies: FrontMatterFile[] = [];
  for (const name of names) {
    const read = await readSource(join(dir, name), display(name));
    if ('problem' in read) {
      problems.push(read.problem);
      continue;
    }
    const split = splitFrontMatter(read.source);
    problems.push(...split.problems);
    if (split.problems.length === 0) {
      files.set(name, split.file);
      problems.push(...controlCharacterProblems(split.file));
    }
    if (split.problems.every((p) => p.code === 'yaml-syntax')) bodies.push(split.file);
  }

  if (!names.includes(ISSUE_FILE)) {
    problems.push(
      diagnose(
        sourceText(display(ISSUE_FILE), ''),
        { line: 1, column: 1 },
        'issue-missing',
        `The issue has no ${ISSUE_FILE}.`,
        `Add issue.md with the title, date and summary: \`bulletin new --date ${date}\` writes one beside the items.`,
      ),
    );
  }

  const head = files.get(ISSUE_FILE);
  const front = head ? validateFrontMatter(head, issueSchema) : undefined;
  if (head && front) {
    problems.push(...front.problems);
    // Checked on the raw value, so a wrong date is reported alongside the other keys' problems.
    const written = isRecord(head.data) ? head.data.date : undefined;
    if (typeof written === 'string' && isCalendarDate(written) && written !== date) {
      problems.push(
        diagnose(
          head.source,
          placeOfPath(head, ['date']),
          'date-mismatch',
          `The issue date ${written} does not match its folder ${date}.`,
          `Change the date to ${date}, or rename the folder to ${written}.`,
        ),
      );
    }
  }

  const items: Item[] = [];
  for (const [name, file] of files) {
    if (name === ISSUE_FILE) continue;
    const loaded = loadItem(name, file, config);
    problems.push(...loaded.problems);
    if (loaded.item) items.push(loaded.item);
  }
  problems.push(...duplicateTitles(items));
  const reported = withoutRepeatedLineBreaks(problems);

  if (!head || !front?.value || reported.some((p) => p.severity === 'error')) {
    return { issue: undefined, files: bodies, problems: reported };
  }
  const value = front.value;
  return {
    issue: {
      date,
      dir,
      title: value.title,
      subject: value.subject ?? value.title,
      summary: value.summary,
      ...(value.author ? { author: value.author } : {}),
      ...(value.editor ? { editor: value.editor } : {}),
      lead: { file: head, markdown: head.body },
      items: sortItems(items, config),
    },
    files: bodies,
    problems: reported,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function loadItem(
  name: string,
  file: FrontMatterFile,
  config: Config,
): { item?: Item; problems: Diagnostic[] } {
  if (!isRecord(file.data)) {
    return {
      problems: [
        diagnose(
          file.source,
          placeOfPath(file, []),
          'invalid-type',
          `The front matter should be a set of keys, but it is ${describeValue(file.data)}.`,
          'Write one `key: value` per line between the "---" lines, starting with `kind:` and `title:` (no "-" in front of the keys).',
        ),
      ],
    };
  }
  const data = file.data;
  const kind = data.kind;
  if (kind === undefined || kind === null) {
    return {
      problems: [
        diagnose(
          file.source,
          placeOfPath(file, ['kind']),
          'missing-key',
          'Missing "kind".',
          `Add \`kind:\` with one of ${itemKinds.join(', ')}.`,
        ),
      ],
    };
  }
  if (typeof kind !== 'string' || !(itemKinds as readonly string[]).includes(kind)) {
    return {
      problems: [
        diagnose(
          file.source,
          placeOfPath(file, ['kind']),
          'unknown-kind',
          `Unknown kind "${String(kind)}".${suggestion(String(kind), itemKinds)}`,
          `The kinds are ${itemKinds.join(', ')}.`,
        ),
      ],
    };
  }
  const validated = validateFrontMatter(file, itemSchemas[kind as ItemKind]);
  // References are checked on the raw values, so they are reported alongside any other problem.
  const problems = [...validated.problems, ...checkReferences(file, data, kind as ItemKind, config)];
  if (!validated.value) return { problems };
  const front = validated.value as ItemFrontMatter;
  const item: Item = {
    kind: front.kind,
    title: front.title,
    order: front.order ?? Number.MAX_SAFE_INTEGER,
    name,
    ...('programme' in front ? { programme: front.programme } : {}),
    programmes: front.programmes ?? [],
    places: front.places ?? [],
    ...(front.contact ? { contact: front.contact } : {}),
    links: front.links ?? [],
    body: { file, markdown: file.body },
    meetings:
      'meetings' in front
        ? front.meetings.map((m, index): Meeting => ({ ...m, source: file.source.path, index }))
        : [],
  };
  return { item, problems };
}

function checkReferences(
  file: FrontMatterFile,
  data: Record<string, unknown>,
  kind: ItemKind,
  config: Config,
): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const check = (value: unknown, path: (string | number)[], what: 'programme' | 'place') => {
    // Wrong types and empty values are the schema's to report.
    if (typeof value !== 'string' || value === '') return;
    const known = what === 'programme' ? config.programmes : config.places;
    if (known.some((k) => k.id === value)) return;
    const byName = known.find((k) => k.name.toLowerCase() === value.toLowerCase());
    const guess =
      byName?.id ??
      didYouMean(
        value,
        known.map((k) => k.id),
      );
    problems.push(
      diagnose(
        file.source,
        placeOfPath(file, path),
        what === 'programme' ? 'unknown-programme' : 'unknown-place',
        `Unknown ${what} "${value}".${guess ? ` Did you mean "${guess}"?` : ''}`,
        `Use an id from the ${what === 'programme' ? 'programmes' : 'places'} in bulletin.config.yaml (${known.map((k) => k.id).join(', ')}), or add it there.`,
      ),
    );
  };
  if (kind === 'programme') check(data.programme, ['programme'], 'programme');
  const each = (key: 'programmes' | 'places', what: 'programme' | 'place') => {
    const list = data[key];
    if (Array.isArray(list)) for (const [i, value] of list.entries()) check(value, [key, i], what);
  };
  each('programmes', 'programme');
  each('places', 'place');
  return problems;
}

function duplicateTitles(items: readonly Item[]): Diagnostic[] {
  const seen = new Map<string, Item>();
  const problems: Diagnostic[] = [];
  for (const item of items) {
    const key = item.title.trim().toLowerCase();
    const first = seen.get(key);
    if (first) {
      problems.push(
        diagnose(
          item.body.file.source,
          placeOfPath(item.body.file, ['title']),
          'duplicate-title',
          `The title "${item.title}" is also used by ${first.name}.`,
          'Give each item of an issue its own title, or merge the two items.',
        ),
      );
    } else seen.set(key, item);
  }
  return problems;
}

/** Section order from the config, then `order`, then file name. */
function sortItems(items: Item[], config: Config): Item[] {
  const rank = (kind: ItemKind) => {
    const i = config.sections.findIndex((s) => s.kind === kind);
    return i < 0 ? config.sections.length : i;
  };
  return [...items].sort(
    (a, b) => rank(a.kind) - rank(b.kind) || a.order - b.order || a.name.localeCompare(b.name),
  );
}
