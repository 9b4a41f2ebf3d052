/**
 * A synthetic archive for the speed benchmark: ten years of weekly issues (520 Fridays from
 * 2015-01-02), each with a lead article, ~9 items and next week's meetings, all passing
 * `bulletin check --strict`. Text is deterministic: a seeded PRNG (mulberry32) walks a word chain
 * built from the seed texts in shared/seeds/*.txt beside the repo (or /work/shared/seeds, or
 * $BULLETIN_SEEDS_DIR), read at run time; a built-in text stands in when none is found.
 *
 *   node lib/scripts/generate-corpus.js <dir> [--issues 520] [--items 10] [--seed 1]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { packageRoot } from '../src/support/package-root.js';
import { addDays } from '../src/support/dates.js';

export interface CorpusOptions {
  /** Number of weekly issues (default 520: ten years). */
  issues?: number;
  /** Item files per issue, meetings.md included (default 10; the count varies by one either way). */
  itemsPerIssue?: number;
  seed?: number;
}

const FIRST_FRIDAY = '2015-01-02';
const MARKER = '.bulletin-corpus.json';
const SITE = 'https://www.wyhpartnership.example';
const PLACEHOLDER = /^(tk|tktk|todo|fixme|xxx)$/i;
const FALLBACK_TEXT = `Health and care partners across West Yorkshire and Harrogate met this week to agree the next steps for local services. The work brings together hospitals, councils, clinical commissioning groups and the voluntary and community sector. Colleagues discussed how people in each of our places can get the right care in the right place at the right time. The programme board received an update on workforce, digital records, prevention and the support we give to unpaid carers. Staff and patients told us that joined up care matters most when people move between services. We will publish the report and share what we have learned with every partner organisation. Leaders agreed that collaboration is the only way to improve outcomes and reduce inequalities in our communities.`;
const FIRST_NAMES = [
  'Aisha',
  'Andy',
  'Catherine',
  'Daniel',
  'Fatima',
  'Gemma',
  'Ian',
  'Jo',
  'Karen',
  'Liam',
  'Mohammed',
  'Nadia',
  'Owen',
  'Priya',
  'Rachel',
  'Rob',
  'Sarah',
  'Tom',
  'Yasmin',
  'Zoe',
];
const LAST_NAMES = [
  'Ahmed',
  'Barker',
  'Clarke',
  'Dawson',
  'Ellis',
  'Hussain',
  'Jones',
  'Khan',
  'Lister',
  'Moss',
  'Patel',
  'Riordan',
  'Shaw',
  'Taylor',
  'Walker',
  'Webster',
  'Whitaker',
  'Withers',
];
const ROLES = [
  'Chief Executive',
  'Director of Nursing',
  'Clinical Lead',
  'Programme Director',
  'Chair',
  'Director of Public Health',
  'Head of Communications',
];
const MEETINGS = [
  'Clinical forum',
  'Leadership group',
  'System oversight and assurance group',
  'Joint Committee of the Clinical Commissioning Groups',
  'Care Provider Alliance',
  'Finance forum',
  'Partnership board',
  'Directors of public health network',
  'Lay member assurance group',
  'Communication and engagement network',
  'Workforce steering group',
  'Digital programme board',
];
const NETWORK_WORDS = ['network', 'group', 'forum', 'board', 'alliance', 'collaborative'];

type Rng = () => number;

/** mulberry32: small, fast, and the same sequence on every machine. */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
/** n distinct elements (a partial Fisher-Yates shuffle, so it does not depend on the engine's sort). */
function sample<T>(rng: Rng, list: readonly T[], n: number): T[] {
  const copy = [...list];
  for (let i = 0; i < Math.min(n, copy.length); i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
const cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const q = (text: string) => JSON.stringify(text); // a JSON string is a valid double-quoted YAML scalar
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 48) || 'item';

/** A first-order word chain: which words follow which in the seed text. */
interface Chain {
  starts: string[];
  next: Map<string, string[]>;
  ends: Set<string>;
}

function seedText(): string {
  // BULLETIN_SEEDS_DIR, when set, is the only place looked at (set it to a missing folder for the fallback).
  const env = process.env.BULLETIN_SEEDS_DIR;
  const candidates = env ? [env] : [join(packageRoot, '..', 'shared', 'seeds'), '/work/shared/seeds'];
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    const names = readdirSync(dir)
      .filter((n) => n.endsWith('.txt'))
      .sort();
    const text = names.map((n) => readFileSync(join(dir, n), 'utf8')).join('\n');
    if (text.trim()) return text;
  }
  return FALLBACK_TEXT;
}

function buildChain(text: string): Chain {
  const chain: Chain = { starts: [], next: new Map(), ends: new Set() };
  for (const sentence of text.split(/(?<=[.!?])\s+|\n\s*\n/)) {
    // Only plain words: no Markdown, HTML or YAML punctuation can leak into the generated text.
    const words = sentence
      .split(/\s+/)
      .map((w) => w.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ''))
      .filter(
        (w) =>
          /^[A-Za-z0-9][A-Za-z0-9'’-]*$/.test(w) &&
          (w.length > 1 || /^[aAI0-9]$/.test(w)) &&
          !PLACEHOLDER.test(w),
      );
    if (words.length < 4) continue;
    if (/^[A-Z]/.test(words[0]!)) chain.starts.push(words[0]!);
    chain.ends.add(words[words.length - 1]!);
    for (let i = 0; i + 1 < words.length; i++) {
      const list = chain.next.get(words[i]!) ?? [];
      list.push(words[i + 1]!);
      chain.next.set(words[i]!, list);
    }
  }
  if (chain.starts.length === 0) throw new Error('the seed text has no usable sentences');
  return chain;
}

class Writer {
  constructor(
    readonly rng: Rng,
    readonly chain: Chain,
  ) {}

  words(min: number, max: number): string[] {
    const { rng, chain } = this;
    const out = [pick(rng, chain.starts)];
    const limit = int(rng, min, max);
    while (out.length < limit) {
      const options = chain.next.get(out[out.length - 1]!);
      if (!options || (out.length >= min && chain.ends.has(out[out.length - 1]!) && rng() < 0.5)) break;
      out.push(pick(rng, options));
    }
    while (out.length < min) out.push(pick(rng, chain.starts).toLowerCase());
    return out;
  }

  phrase = (min: number, max: number): string => cap(this.words(min, max).join(' '));

  sentence(decorate = true): string {
    const words = this.words(8, 26);
    if (decorate && words.length > 6) {
      const i = int(this.rng, 1, words.length - 3);
      const roll = this.rng();
      if (roll < 0.12) words.splice(i, 2, `**${words[i]} ${words[i + 1]}**`);
      else if (roll < 0.2)
        words.splice(
          i,
          3,
          `[${words.slice(i, i + 3).join(' ')}](${SITE}/${slug(words.slice(i, i + 3).join(' '))})`,
        );
      else if (roll < 0.3) words[i] += ',';
    }
    return `${cap(words.join(' '))}.`;
  }

  paragraph = (): string => Array.from({ length: int(this.rng, 2, 5) }, () => this.sentence()).join(' ');
  list = (): string => Array.from({ length: int(this.rng, 3, 5) }, () => `- ${this.phrase(3, 9)}`).join('\n');

  table(places: readonly string[]): string {
    const rows = sample(this.rng, places, int(this.rng, 2, 4)).map(
      (p) => `| ${p} | ${int(this.rng, 1, 12)} | ${int(this.rng, 10, 400)} |`,
    );
    return ['| Place | Sessions | People reached |', '|---|---:|---:|', ...rows].join('\n');
  }

  body(paragraphs: number, places: readonly string[], extras: boolean): string {
    const blocks = Array.from({ length: paragraphs }, () => this.paragraph());
    if (extras && this.rng() < 0.35) blocks.splice(int(this.rng, 1, blocks.length), 0, this.list());
    if (extras && this.rng() < 0.08) blocks.splice(int(this.rng, 1, blocks.length), 0, this.table(places));
    return blocks.join('\n\n');
  }

  person(): { name: string; email: string } {
    const [first, last] = [pick(this.rng, FIRST_NAMES), pick(this.rng, LAST_NAMES)];
    return { name: `${first} ${last}`, email: `${first}.${last}@wyhpartnership.example`.toLowerCase() };
  }
}

interface Named {
  id: string;
  name: string;
}

function issueFiles(
  date: string,
  index: number,
  w: Writer,
  config: { programmes: Named[]; places: Named[] },
  itemsPerIssue: number,
): Map<string, string> {
  const { rng } = w;
  const files = new Map<string, string>();
  const placeNames = config.places.map((p) => p.name);
  const author = w.person();
  const authorRole = `${pick(rng, ROLES)}, ${pick(rng, placeNames)}`;
  const lead = w.body(int(rng, 5, 8), placeNames, true);
  const summary = w
    .words(10, 30)
    .join(' ')
    .slice(0, 180)
    .replace(/\s+\S*$/, '');
  files.set(
    'issue.md',
    `---\ntitle: ${q(w.phrase(4, 9))}\ndate: ${date}\nsummary: ${q(`${cap(summary)}.`)}\nauthor:\n  name: ${q(author.name)}\n  role: ${q(authorRole)}\n---\n${lead}\n`,
  );

  // Every section gets an item; the stroke programme appears in most issues, so its tag page is long.
  const count = Math.max(3, itemsPerIssue - 1 + int(rng, -1, 1));
  const kinds = ['network', 'programme', 'news'];
  while (kinds.length < count) kinds.push(rng() < 0.45 ? 'programme' : rng() < 0.55 ? 'news' : 'network');
  const titles = new Set<string>();
  const programmes = config.programmes.filter((p) => p.id !== 'stroke');
  const stroke = config.programmes.find((p) => p.id === 'stroke');
  let strokeDue = stroke !== undefined && (index % 4 !== 3 || rng() < 0.5);
  const order: Record<string, number> = {};
  const usedProgrammes = new Set<Named>();
  kinds.forEach((kind, i) => {
    const unused = programmes.filter((p) => !usedProgrammes.has(p));
    const programme =
      kind === 'programme'
        ? strokeDue
          ? stroke!
          : pick(rng, unused.length > 0 ? unused : programmes)
        : undefined;
    if (programme === stroke) strokeDue = false;
    if (programme) usedProgrammes.add(programme);
    let title = '';
    for (let attempt = 0; attempt < 20 && (!title || titles.has(title.toLowerCase())); attempt++) {
      if (programme)
        title =
          attempt === 0 && rng() < 0.4
            ? `${programme.name} programme`
            : `${programme.name}: ${w.words(2, 6).join(' ')}`;
      else if (kind === 'network') title = `${w.phrase(1, 4)} ${pick(rng, NETWORK_WORDS)}`;
      else title = w.phrase(3, 8);
    }
    if (titles.has(title.toLowerCase())) title = `${title} (${i + 1})`;
    titles.add(title.toLowerCase());
    const front = [`kind: ${kind}`, `title: ${q(title)}`];
    if (rng() < 0.5) {
      order[kind] = (order[kind] ?? 0) + 1;
      front.push(`order: ${order[kind]}`);
    }
    if (programme) front.push(`programme: ${programme.id}`);
    const tags = sample(rng, config.programmes, int(rng, 1, 2)).filter((p) => p !== programme);
    if (kind !== 'programme' && stroke && rng() < 0.15 && !tags.includes(stroke)) tags.push(stroke);
    if (rng() < 0.4 && tags.length > 0) front.push(`programmes: [${tags.map((p) => p.id).join(', ')}]`);
    if (rng() < 0.35)
      front.push(
        `places: [${sample(rng, config.places, int(rng, 1, 3))
          .map((p) => p.id)
          .join(', ')}]`,
      );
    if (rng() < 0.3) {
      const contact = w.person();
      front.push('contact:', `  name: ${q(contact.name)}`, `  email: ${contact.email}`);
      if (rng() < 0.3) front.push(`  phone: "01924 ${int(rng, 100000, 999999)}"`);
    }
    if (rng() < 0.15) {
      const texts = Array.from({ length: int(rng, 1, 2) }, () => w.phrase(3, 7));
      front.push(
        'links:',
        ...texts.flatMap((text) => [`  - text: ${q(text)}`, `    url: ${SITE}/${slug(title)}/${slug(text)}`]),
      );
    }
    const name = `${String(i + 1).padStart(2, '0')}-${slug(title)}.md`;
    files.set(name, `---\n${front.join('\n')}\n---\n${w.body(int(rng, 2, 5), placeNames, true)}\n`);
  });

  // Meetings fall in "next week": the Saturday after a Friday issue to the Sunday nine days on.
  const meetings: string[] = [];
  for (const title of sample(rng, MEETINGS, int(rng, 3, 6))) {
    const lines = [`  - title: ${q(title)}`];
    if (rng() < 0.85) {
      lines.push(`    date: ${addDays(date, int(rng, 1, 9))}`);
      const [start, minutes] = [int(rng, 8, 16), pick(rng, ['00', '30'])];
      const hhmm = (hour: number) => `"${String(hour).padStart(2, '0')}:${minutes}"`;
      if (rng() < 0.6) lines.push(`    start: ${hhmm(start)}`, `    end: ${hhmm(start + int(rng, 1, 3))}`);
      if (rng() < 0.5) lines.push(`    location: ${q(pick(rng, placeNames))}`);
    }
    lines.push(`    description: ${q(w.sentence(false))}`);
    if (rng() < 0.2) lines.push(`    link: ${SITE}/meetings/${slug(title)}`);
    meetings.push(...lines);
  }
  files.set(
    'meetings.md',
    `---\nkind: meetings\ntitle: "Next week's meetings"\nmeetings:\n${meetings.join('\n')}\n---\n`,
  );
  return files;
}

/**
 * Writes `bulletin.config.yaml` (a copy of the repo's) and `bulletins/YYYY-MM-DD/` into targetDir,
 * replacing the bulletins of an earlier generated corpus there. Returns the number of issues and
 * of files written (the config and every Markdown file).
 */
export async function generateCorpus(
  targetDir: string,
  options: CorpusOptions = {},
): Promise<{ issues: number; files: number }> {
  const { issues = 520, itemsPerIssue = 10, seed = 1 } = options;
  const root = resolve(targetDir);
  if (root === resolve(packageRoot))
    throw new Error('refusing to generate a corpus over the repository itself');
  const bulletinsDir = join(root, 'bulletins');
  if (existsSync(bulletinsDir) && (await readdir(bulletinsDir)).length > 0) {
    if (!existsSync(join(root, MARKER)))
      throw new Error(`${bulletinsDir} exists and was not generated by this script; choose an empty folder`);
    await rm(bulletinsDir, { recursive: true, force: true });
  }
  await mkdir(bulletinsDir, { recursive: true });
  await writeFile(join(root, MARKER), `${JSON.stringify({ issues, itemsPerIssue, seed })}\n`);
  const configPath = join(packageRoot, 'bulletin.config.yaml');
  await copyFile(configPath, join(root, 'bulletin.config.yaml'));
  const config = parse(readFileSync(configPath, 'utf8')) as { programmes: Named[]; places: Named[] };

  const chain = buildChain(seedText());
  let files = 1;
  for (let i = 0; i < issues; i++) {
    // One PRNG per issue, so the first N issues are the same whatever the total.
    const writer = new Writer(mulberry32((seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0), chain);
    const date = addDays(FIRST_FRIDAY, 7 * i);
    const dir = join(bulletinsDir, date);
    await mkdir(dir, { recursive: true });
    const contents = issueFiles(date, i, writer, config, itemsPerIssue);
    await Promise.all([...contents].map(([name, text]) => writeFile(join(dir, name), text)));
    files += contents.size;
  }
  return { issues, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { issues: { type: 'string' }, items: { type: 'string' }, seed: { type: 'string' } },
  });
  const number = (name: 'issues' | 'items' | 'seed') =>
    values[name] === undefined ? undefined : Number(values[name]);
  const bad = (['issues', 'items', 'seed'] as const).filter(
    (k) => values[k] !== undefined && !(Number.isInteger(number(k)) && number(k)! >= (k === 'seed' ? 0 : 1)),
  );
  if (positionals.length !== 1 || bad.length > 0) {
    console.error('usage: node lib/scripts/generate-corpus.js <dir> [--issues 520] [--items 10] [--seed 1]');
    process.exit(2);
  }
  const started = performance.now();
  const result = await generateCorpus(positionals[0]!, {
    issues: number('issues'),
    itemsPerIssue: number('items'),
    seed: number('seed'),
  });
  console.log(
    `${result.issues} issues, ${result.files} files in ${resolve(positionals[0]!)} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
