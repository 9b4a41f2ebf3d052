import type { Config, ItemKind, LeadMode } from './schema.js';
import type { FrontMatterFile } from './front-matter.js';

/** A Markdown body and where it sits in its file, so problems found in it point at the right line. */
export interface MarkdownBody {
  file: FrontMatterFile;
  markdown: string;
}

export interface Contact {
  name: string;
  email?: string;
  phone?: string;
}

export interface Link {
  text: string;
  url: string;
}

export interface Meeting {
  /** The writer's own stable id, for calendar UIDs that survive reordering. */
  id?: string;
  title: string;
  /** YYYY-MM-DD; absent for "sometime next week". */
  date?: string;
  start?: string;
  end?: string;
  location?: string;
  description?: string;
  link?: string;
  /** The file it was written in (as displayed), and its place in that file's list: stable calendar ids. */
  source: string;
  index: number;
}

export interface Item {
  kind: ItemKind;
  title: string;
  order: number;
  /** The file name without folder, e.g. `03-stroke.md`; ties in `order` fall back to it. */
  name: string;
  programme?: string;
  programmes: string[];
  places: string[];
  contact?: Contact;
  links: Link[];
  body: MarkdownBody;
  meetings: Meeting[];
}

export interface Author {
  name: string;
  role?: string;
}

export interface Issue {
  /** YYYY-MM-DD, the folder name and the publication date. */
  date: string;
  dir: string;
  title: string;
  subject: string;
  summary: string;
  author?: Author;
  editor?: string;
  /** issue.md's own `lead:`, when it sets one (the config's applies otherwise). */
  leadMode?: LeadMode;
  lead: MarkdownBody;
  items: Item[];
}

export type { Config };
