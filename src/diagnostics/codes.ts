/**
 * The table of every problem code Bulletin reports, with its default severity.
 * Scripts match on these codes (`bulletin check --json`), so they are a contract: add, never rename.
 * Each code's words (message, hint, meaning, fix) are its entry in `catalogue/`.
 */
export const problemCodes = {
  // Reading files
  'file-unreadable': 'error',
  'file-empty': 'error',
  'file-too-large': 'error',
  'invalid-encoding': 'error',
  // Front matter
  'frontmatter-missing': 'error',
  'frontmatter-language': 'error',
  'yaml-syntax': 'error',
  'unknown-key': 'error',
  'missing-key': 'error',
  'invalid-type': 'error',
  'invalid-value': 'error',
  'unknown-kind': 'error',
  'unknown-programme': 'error',
  'unknown-place': 'error',
  'multiline-text': 'error',
  'control-character': 'error',
  // Issue structure
  'issue-missing': 'error',
  'folder-name': 'error',
  'date-mismatch': 'error',
  'duplicate-title': 'error',
  'unsafe-html': 'error',
  'quote-too-lazy': 'error',
  'unsafe-url': 'error',
  'image-missing': 'error',
  'image-outside-issue': 'error',
  'image-unsupported': 'error',
  'config-invalid': 'error',
  // Rendering
  'template-error': 'error',
  'build-failed': 'error',
  'email-too-large': 'error',
  'mailto-invalid': 'error',
  'mailto-missing': 'error',
  'link-syntax': 'error',
  'link-broken': 'error',
  'text-part-empty': 'error',
  'text-part-incomplete': 'error',
  'unsubscribe-missing': 'error',
  // Pre-send warnings
  'meeting-outside-week': 'warning',
  'meeting-link-off-calendar': 'warning',
  'empty-section': 'warning',
  'empty-item': 'warning',
  'image-alt-missing': 'warning',
  'placeholder-left': 'warning',
  'link-text-vague': 'warning',
  'heading-order': 'warning',
  'subject-too-long': 'warning',
  'link-unverified': 'warning',
  'link-private': 'warning',
} as const satisfies Record<string, Severity>;

export type Severity = 'error' | 'warning';
export type ProblemCode = keyof typeof problemCodes;
