import matter from 'gray-matter';
import { parseDocument, type Document } from 'yaml';
import { diagnose, type Diagnostic } from '../diagnostics/diagnostic.js';
import { placeAt, type SourceText } from '../diagnostics/source-text.js';

/** A file split into its YAML front matter (with positions) and its Markdown body. */
export interface FrontMatterFile {
  source: SourceText;
  /** The parsed YAML, or undefined when the file has no front matter at all. */
  yaml: Document | undefined;
  /** Offset in `source.text` where the YAML text starts, so YAML ranges map to file positions. */
  yamlOffset: number;
  data: unknown;
  body: string;
  /** 1-based line of `source` on which the body starts. */
  bodyLine: number;
}

export type SplitResult = { file: FrontMatterFile; problems: Diagnostic[] };

const refuseEvaluation = (): never => {
  // Only reached if the language check below is ever bypassed: gray-matter would otherwise eval().
  throw new Error('Executable front matter is disabled in Bulletin.');
};

/**
 * gray-matter's engines are replaced wholesale: YAML goes to the `yaml` package (which keeps
 * positions), and both `js` and `javascript` throw, since disabling one still leaves the other.
 */
const matterOptions = {
  engines: {
    yaml: (text: string) => ({ text }),
    js: refuseEvaluation,
    javascript: refuseEvaluation,
    json: refuseEvaluation,
    toml: refuseEvaluation,
    coffee: refuseEvaluation,
  },
};

export function splitFrontMatter(source: SourceText): SplitResult {
  const text = source.text;
  const language = matter.language(text).name.trim().toLowerCase();
  if (text.startsWith('---') && language !== '' && language !== 'yaml') {
    return {
      file: emptyFile(source),
      problems: [
        diagnose(
          source,
          { line: 1, column: 4 },
          'frontmatter-language',
          `Front matter in "${language}" is not allowed; Bulletin reads YAML front matter only and never runs code in content.`,
          'Write the front matter as YAML: start the file with a line of just "---".',
        ),
      ],
    };
  }
  if (!/^---[ \t]*\n/.test(text)) {
    return {
      file: emptyFile(source),
      problems: [
        diagnose(
          source,
          { line: 1, column: 1 },
          'frontmatter-missing',
          'File has no front matter.',
          'Start the file with "---", then its YAML keys (kind, title, ...), then a closing "---" line.',
        ),
      ],
    };
  }
  const parsed = matter(text, matterOptions) as unknown as { matter?: string; content: string };
  const rawYaml = parsed.matter ?? '';
  const yamlOffset = text.indexOf('\n') + (rawYaml.startsWith('\n') ? 0 : 1);
  const bodyOffset = text.endsWith(parsed.content) ? text.length - parsed.content.length : text.length;
  const closed = bodyOffset > yamlOffset + rawYaml.length;
  const problems: Diagnostic[] = [];
  if (!closed || !/\n---[ \t]*(\n|$)/.test(text.slice(yamlOffset - 1))) {
    problems.push(
      diagnose(source, { line: 1, column: 1 }, 'frontmatter-missing', 'Front matter is not closed.', 'Add a line of just "---" after the last YAML key.'),
    );
  }
  const yaml = parseDocument(rawYaml, { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  for (const error of yaml.errors) {
    const place = placeAt(source, yamlOffset + error.pos[0]);
    problems.push(
      diagnose(source, place, 'yaml-syntax', `YAML syntax error: ${firstLine(error.message)}.`, yamlHint(error.code)),
    );
  }
  const data = yaml.errors.length === 0 ? yaml.toJS({ maxAliasCount: 50 }) : undefined;
  return {
    file: { source, yaml, yamlOffset, data: data ?? {}, body: parsed.content, bodyLine: placeAt(source, bodyOffset).line },
    problems,
  };
}

function emptyFile(source: SourceText): FrontMatterFile {
  return { source, yaml: undefined, yamlOffset: 0, data: {}, body: '', bodyLine: 1 };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').replace(/\.$/, '');
}

function yamlHint(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once; remove or rename one of them.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'Check the indentation: nested keys line up under their parent, with spaces, not tabs.';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'A value containing ": " must be put in quotes.';
    default:
      return 'Put text containing ":", "#", quotes or brackets in double quotes, and check the indentation.';
  }
}
