/** Where each page lives in dist/site/, and the relative way back to the root from it. */
export const issuePath = (date: string) => `issues/${date}/index.html`;
export const tagPath = (kind: 'programmes' | 'places', id: string) => `${kind}/${id}/index.html`;

/**
 * `../../` for `issues/2018-05-11/index.html`: pages link relatively, so the site works under any base path.
 */
export function rootFrom(path: string): string {
  return '../'.repeat(path.split('/').length - 1);
}

/** A page's address as a link: the folder, not `index.html`. */
export function hrefOf(path: string): string {
  return path.replace(/index\.html$/, '');
}
