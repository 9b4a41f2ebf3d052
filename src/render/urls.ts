import type { Config } from '../content/model.js';

function base(config: Config): string {
  return config.site.baseUrl.endsWith('/') ? config.site.baseUrl : `${config.site.baseUrl}/`;
}

/** The public address of an issue in the archive: `<baseUrl>/issues/YYYY-MM-DD/`. */
export function issueUrl(config: Config, date: string): string {
  return new URL(`issues/${date}/`, base(config)).href;
}

export function siteUrl(config: Config, path = ''): string {
  return new URL(path, base(config)).href;
}

/** A relative image reference (`![alt](board.jpg)`): a file beside the item, published with the issue. */
export function isLocalImage(url: string): boolean {
  return (
    url !== '' &&
    !/^[a-z][a-z0-9+.-]*:/i.test(url) &&
    !url.startsWith('//') &&
    !url.startsWith('/') &&
    !url.startsWith('#')
  );
}
