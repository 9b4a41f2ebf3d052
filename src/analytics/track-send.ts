import type { Config } from '../content/model.js';
import type { EmailLayout } from '../render/email/compile.js';
import { siteUrl } from '../render/urls.js';
import { trackClicks } from './click-links.js';
import type { ClickStore } from './click-store.js';

export interface SendTracking {
  config: Config;
  /** The key that signs each link (BULLETIN_SECRET). */
  secret: string;
  /** Every web address of the issue with the file it was written in (EmailForSend `links`). */
  sources: readonly { url: string; file: string }[];
  clicks: ClickStore;
}

/**
 * The layout a send fills, once per issue: with `analytics.clicks` on, its links go through `/r/`
 * and the link table is in the database before the first message goes out (so no click
 * can arrive before its link is known); off, the layout as it was.
 */
export async function layoutForSend(layout: EmailLayout, tracking: SendTracking): Promise<EmailLayout> {
  if (!tracking.config.analytics.clicks) return layout;
  const tracked = trackClicks(layout, {
    base: siteUrl(tracking.config),
    secret: tracking.secret,
    sources: tracking.sources,
  });
  await tracking.clicks.saveLinks(layout.date, tracked.links);
  return tracked.layout;
}
