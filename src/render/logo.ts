import type { Config, SiteLogo } from '../content/schema.js';
import type { ImageSize } from './image-sizes.js';
import { siteUrl } from './urls.js';

/**
 * The most room the logo takes in the email's header: a brand mark beside the site's name, not a
 * banner (a phone's screen is 320 to 430 px wide).
 */
const EMAIL_LOGO_BOX: ImageSize = { width: 240, height: 60 };

/**
 * Where the archive publishes the logo, relative to the site's root: the file as it is for the pages,
 * and a PNG for the email (Gmail and Outlook show no SVG, Outlook no WebP). Both are named by the
 * file's content hash, so a new logo is a new address and no cache shows the old one.
 */
export function logoPaths(logo: SiteLogo): { page: string; email: string } {
  return { page: `assets/logo-${logo.hash}.${logo.type}`, email: `assets/logo-${logo.hash}-email.png` };
}

/** The logo's size in the email: within EMAIL_LOGO_BOX, in its own proportions, never enlarged. */
export function emailLogoSize(logo: SiteLogo): ImageSize {
  const scale = Math.min(1, EMAIL_LOGO_BOX.width / logo.width, EMAIL_LOGO_BOX.height / logo.height);
  return {
    width: Math.max(1, Math.round(logo.width * scale)),
    height: Math.max(1, Math.round(logo.height * scale)),
  };
}

/** The email's logo, as its header shows it (absolute: mail is read far from the site). */
export function emailLogo(config: Config): (ImageSize & { src: string }) | null {
  if (!config.siteLogo) return null;
  return { src: siteUrl(config, logoPaths(config.siteLogo).email), ...emailLogoSize(config.siteLogo) };
}
