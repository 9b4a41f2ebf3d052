import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { at, problem, startOf } from '../diagnostics/problem.js';
import { sourceText } from '../diagnostics/source-text.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { controlCharacterProblems, withoutRepeatedLineBreaks } from './control-check.js';
import type { FrontMatterFile } from './front-matter.js';
import { splitFrontMatterOf } from './front-matter-memo.js';
import type { Issue, Item, Meeting } from './model.js';
import { readSource, sourceOfBytes } from './read-source.js';
import { causeOf, isErrno } from '../support/errors.js';
import {
  calendarEntries,
  isItemKind,
  type ItemFrontMatter,
  type ItemKind,
  itemKinds,
  kindSpec,
} from './kinds/index.js';
import { isCalendarDate } from '../support/dates.js';
import { issueSchema, type Config } from './schema.js';
import { describeValue, validateFrontMatter } from './validate.js';
import { placeOfPath } from './yaml-place.js';

export const ISSUE_FILE = 'issue.md';

export interface LoadedIssue {
  /** Present only when the issue has no errors (warnings may still follow from the checks). */
  issue: Issue | undefined;
  /**
   * Every file whose front matter could be split, valid or not (even with YAML errors), for checks of the
   * Markdown bodies.
   */
  files: FrontMatterFile[];
  problems: Diagnostic[];
}

/**
 * The Markdown at the top of an issue folder, as a caller read it already: each name, with its bytes
 * when it is a file (build/render-cache.ts reads them to key its cache).
 */
export type MarkdownRead = ReadonlyMap<string, Buffer | undefined>;

/**
 * Reads every file of `bulletins/DATE/` and reports every problem in all of them, so a comms
 * officer fixes a week in one pass rather than one error per run. With `read`, the folder's Markdown
 * is taken from it, not read again.
 */
export async function loadIssue(
  root: string,
  date: string,
  config: Config,
  read?: MarkdownRead,
): Promise<LoadedIssue> {
  const dir = join(root, 'bulletins', date);
  const display = (name: string) => relative(process.cwd(), join(dir, name)) || name;
  const problems: Diagnostic[] = [];

  if (!isCalendarDate(date)) {
    problems.push(problem('folder-name', startOf(sourceText(display(ISSUE_FILE), '')), { folder: date }));
  }

  let names: string[];
  try {
    names = (read ? [...read.keys()] : await readdir(dir))
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort();
  } catch (error) {
    problems.push(
      isErrno(error, 'ENOENT')
        ? problem('issue-missing', startOf(sourceText(display(''), '')), {
            case: 'folder',
            folder: display(''),
            date,
          })
        : problem('file-unreadable', startOf(sourceText(display(''), '')), {
            case: 'issue-folder',
            folder: display(''),
            reason: causeOf(error),
          }),
    );
    return { issue: undefined, files: [], problems };
  }

  const files = new Map<string, FrontMatterFile>();
  /** Files whose body could be found, including those with YAML errors: their Markdown is checked too. */
  const bodies: FrontMatterFile[] = [];
  for (const name of names) {
    const bytes = read?.get(name);
    const source = bytes
      ? sourceOfBytes(bytes, display(name))
      : await readSource(join(dir, name), display(name));
    if ('problem' in source) {
      problems.push(source.problem);
      continue;
    }
    const split = splitFrontMatterOf(source.source);
    problems.push(...split.problems);
    if (split.problems.length === 0) {
      files.set(name, split.file);
      problems.push(...controlCharacterProblems(split.file));
    }
    if (split.problems.every((p) => p.code === 'yaml-syntax')) bodies.push(split.file);
  }

  if (!names.includes(ISSUE_FILE)) {
    problems.push(
      problem('issue-missing', startOf(sourceText(display(ISSUE_FILE), '')), {
        case: 'file',
        file: ISSUE_FILE,
        date,
      }),
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
        problem('date-mismatch', at(head.source, placeOfPath(head, ['date'])), { written, folder: date }),
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
      ...(value.lead ? { leadMode: value.lead } : {}),
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
        problem('invalid-type', at(file.source, placeOfPath(file, [])), {
          at: 'root',
          expected: 'a set of keys',
          actual: describeValue(file.data),
          item: true,
        }),
      ],
    };
  }
  const data = file.data;
  const kind = data.kind;
  if (kind === undefined || kind === null) {
    return {
      problems: [
        problem('missing-key', at(file.source, placeOfPath(file, ['kind'])), {
          case: 'kind',
          kinds: itemKinds,
        }),
      ],
    };
  }
  if (!isItemKind(kind)) {
    return {
      problems: [
        problem('unknown-kind', at(file.source, placeOfPath(file, ['kind'])), {
          kind: String(kind),
          kinds: itemKinds,
        }),
      ],
    };
  }
  const validated = validateFrontMatter(file, kindSpec(kind).schema);
  // References are checked on the raw values, so they are reported alongside any other problem.
  const problems = [...validated.problems, ...checkReferences(file, data, kind, config)];
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
    meetings: calendarEntries(front).map((m, index): Meeting => ({ ...m, source: file.source.path, index })),
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
      problem(
        what === 'programme' ? 'unknown-programme' : 'unknown-place',
        at(file.source, placeOfPath(file, path)),
        {
          value,
          ...(guess ? { guess } : {}),
          known: known.map((k) => k.id),
        },
      ),
    );
  };
  if (kindSpec(kind).ownProgramme) check(data.programme, ['programme'], 'programme');
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
        problem('duplicate-title', at(item.body.file.source, placeOfPath(item.body.file, ['title'])), {
          title: item.title,
          other: first.name,
        }),
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
