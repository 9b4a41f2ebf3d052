import type { Author, Config, Meeting } from '../content/model.js';
import type { ArchivedIssue } from '../render/rendered-issue.js';

/** One issue as the archive sees it: everything the pages, feeds and calendar need. */
export interface ArchiveIssue {
  /** YYYY-MM-DD. */
  date: string;
  title: string;
  summary: string;
  author?: Author;
  /** Absolute URL of the issue's page, with a trailing slash: `<baseUrl>/issues/YYYY-MM-DD/`. */
  url: string;
  /** The issue's whole content as one sanitized HTML fragment (lead, then items), for feeds. */
  html: string;
  /** Every meeting of the issue's meetings items, in the order written. */
  meetings: Meeting[];
  /** The rendered issue, for the issue page. */
  rendered: ArchivedIssue;
}

/** Every issue of the site, newest first, with the site's config. */
export interface Archive {
  config: Config;
  issues: ArchiveIssue[];
}

/** Files of the static site, by path relative to `dist/site/` (forward slashes, no leading slash). */
export type SiteFiles = Map<string, string | Uint8Array>;
