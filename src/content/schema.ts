import { z } from 'zod';
import { breaksRule, email, id, isoDate, oneLine, webUrl } from './fields.js';
import { itemKinds } from './kinds/index.js';
import { readMailboxUrl } from './mailbox-url.js';

/**
 * The content contract: key names here are what comms officers write, and what later stages rely
 * on. Objects are strict: an unknown key is an error (with a did-you-mean), never silently ignored.
 * Custom checks put `{ problem, hint }` in their params; `validate.ts` turns them into diagnostics.
 * The value types live in fields.ts, the items' schemas with their kinds in kinds/.
 */

export { isoDate, oneLine, webUrl } from './fields.js';
export {
  type ItemFrontMatter,
  type ItemKind,
  itemKinds,
  type MeetingData,
  meetingSchema,
} from './kinds/index.js';

/**
 * How the lead article appears in the email: `full`, or `excerpt` (its first paragraphs and a "Continue
 * reading" link to the archive page, for readers on a phone).
 */
export const leadModes = ['full', 'excerpt'] as const;
export type LeadMode = (typeof leadModes)[number];

export type IssueFrontMatter = z.infer<typeof issueSchema>;

export const issueSchema = z.strictObject({
  title: oneLine,
  date: isoDate,
  summary: oneLine.pipe(z.string().max(200)),
  subject: oneLine.optional(),
  author: z.strictObject({ name: oneLine, role: oneLine.optional() }).optional(),
  editor: oneLine.optional(),
  /** This issue's lead in the email, whatever the config's `lead` says. */
  lead: z.enum(leadModes).optional(),
});

const named = z.strictObject({ id, name: oneLine });

/**
 * The longest local part of `dispatch.bounces.address` that leaves room for `+TOKEN` within the 64 octets
 * of RFC 5321: MAX_BOUNCE_LOCAL_PART of src/dispatch/verp.ts (a layer above; a test keeps them equal).
 */
export const BOUNCE_LOCAL_PART_MAX = 29;

export const configSchema = z.strictObject({
  site: z.strictObject({
    name: oneLine,
    tagline: oneLine.optional(),
    /** A PNG, JPEG, SVG, GIF or WebP file beside the config (config.ts reads it: site-logo.ts). */
    logo: oneLine.optional(),
    baseUrl: webUrl,
    timezone: oneLine.default('Europe/London').superRefine((zone, ctx) => {
      if (!validIntl({ timeZone: zone }))
        breaksRule(ctx, { problem: 'config-invalid', params: { case: 'time-zone', value: zone } });
    }),
    locale: oneLine.default('en-GB').superRefine((locale, ctx) => {
      if (!validIntl({ locale }))
        breaksRule(ctx, { problem: 'config-invalid', params: { case: 'locale', value: locale } });
    }),
  }),
  sender: z.strictObject({
    from: z.strictObject({ name: oneLine, email }),
    replyTo: email.optional(),
    postalAddress: oneLine,
  }),
  /** `public: false` keeps a list off the subscribe form (its people are added by the comms team). */
  lists: z
    .array(
      z.strictObject({
        id,
        name: oneLine,
        description: oneLine.optional(),
        public: z.boolean().default(true),
      }),
    )
    .min(1),
  sections: z.array(z.strictObject({ kind: z.enum(itemKinds), title: oneLine })).min(1),
  labels: z
    .strictObject({
      thisWeek: oneLine.default('What else has been happening this week?'),
      undatedMeetings: oneLine.default('Also next week'),
      viewOnline: oneLine.default('View this bulletin in your browser'),
      unsubscribe: oneLine.default('Unsubscribe'),
      preferences: oneLine.default('Manage your subscription'),
      inThisIssue: oneLine.default('In this issue'),
      continueReading: oneLine.default('Continue reading'),
      programmes: oneLine.default('Programmes'),
      places: oneLine.default('Places'),
    })
    .prefault({}),
  lead: z.enum(leadModes).default('full'),
  /** The email's own choices: `showTags: false` leaves out each item's "Programmes: ... · Places: ..." line. */
  email: z.strictObject({ showTags: z.boolean().default(true) }).prefault({}),
  places: z.array(named).default([]),
  programmes: z.array(named).default([]),
  /**
   * Sending: messages per second, parallel SMTP connections, and how old an issue may be to send without
   * --force.
   */
  dispatch: z
    .strictObject({
      rate: z.number().positive().default(10),
      concurrency: z.number().int().min(1).max(50).default(4),
      maxAgeDays: z.number().int().min(0).default(14),
      retries: z.number().int().min(0).max(10).default(3),
      pauseAfterFailures: z.number().int().min(1).default(25),
      /** A provider's cap: at most `messages` in any sliding window of `hours`, counting earlier sends. */
      window: z.strictObject({ messages: z.number().int().min(1), hours: z.number().positive() }).optional(),
      /** DKIM signing; the key itself stays out of the config (a file, or the DKIM_PRIVATE_KEY variable). */
      dkim: z
        .strictObject({
          domain: oneLine,
          selector: oneLine,
          /** A PEM file, relative to the site folder; DKIM_PRIVATE_KEY (the PEM itself) wins when set. */
          privateKeyFile: oneLine.optional(),
        })
        .optional(),
      /**
       * What happens after "250 OK": bounces and complaints. `address` turns on VERP (each message's
       * envelope sender is `bounces+<signed token>@domain`, so a bounce names its message and subscriber).
       */
      bounces: z
        .strictObject({
          /** The bounce mailbox, e.g. `bounces@example.org`; the token goes after a `+` in its local part. */
          address: email
            .superRefine((value, ctx) => {
              const local = value.slice(0, value.lastIndexOf('@'));
              if (local.length > BOUNCE_LOCAL_PART_MAX || /[+"]/.test(local))
                breaksRule(ctx, {
                  problem: 'config-invalid',
                  params: { case: 'bounce-address', value, max: BOUNCE_LOCAL_PART_MAX },
                });
            })
            .optional(),
          /** Soft bounces (mailbox full, greylisted...) within `softDays` before an address is suppressed. */
          softLimit: z.number().int().min(1).max(100).default(3),
          softDays: z.number().positive().max(365).default(30),
          /** The bounce mailbox over IMAP; the password comes from BULLETIN_BOUNCES_IMAP_PASSWORD. */
          imap: z
            .strictObject({
              /** `imap://user@host:143` or `imaps://user@host:993`, without the password. */
              url: oneLine.superRefine((url, ctx) => {
                const read = readMailboxUrl(url);
                if (!read.ok)
                  breaksRule(ctx, {
                    problem: 'config-invalid',
                    params: { case: 'imap-url', reason: read.reason },
                  });
              }),
              folder: oneLine.default('INBOX'),
              /** Where read messages are moved, so each is counted once. Created when missing. */
              processedFolder: oneLine.default('Bulletin/Processed'),
              /** How often `bulletin serve` looks. */
              pollMinutes: z.number().positive().max(1440).default(5),
            })
            .optional(),
          /** Provider webhooks served by `bulletin serve` under /webhooks/<provider>; keys come from the environment. */
          webhooks: z
            .strictObject({
              /** Amazon SES via SNS: the topic ARNs accepted. */
              sesTopics: z.array(oneLine).default([]),
              postmark: z.boolean().default(false),
              mailgun: z.boolean().default(false),
              sendgrid: z.boolean().default(false),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  /**
   * Whether an issue must be approved (`bulletin approve`) before `bulletin send`, and by someone other than
   * its editor.
   */
  approval: z
    .strictObject({ required: z.boolean().default(false), twoPeople: z.boolean().default(false) })
    .prefault({}),
  /** The network link check of `check`, `preview`, `send` and `schedule`. */
  linkCheck: z
    .strictObject({
      /**
       * Addresses never asked for: a host (`intranet.example.org`), every host under a domain
       * (`*.example.org`), or the start of an address (`https://example.org/members/`). For links
       * that only work inside a network, or sites that refuse robots.
       */
      exclude: z.array(oneLine).default([]),
      /** Seconds to wait for an answer's headers. */
      timeoutSeconds: z.number().positive().max(120).default(10),
      /** Requests in flight at once, and to any one host. */
      concurrency: z.number().int().min(1).max(64).default(8),
      perHost: z.number().int().min(1).max(16).default(2),
      /**
       * Whether links to this computer, a private network or another non-public address (127.0.0.1,
       * 10.x, 192.168.x, 169.254.x, fc00::/7...) are asked for. Off: they are reported as not
       * checked, so that content cannot make the checker (in `check`, the preview, or the server
       * before a scheduled send) reach inside the network it runs in.
       */
      allowPrivateAddresses: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Scheduled sends: one whose time passed more than this long ago (the server was down) is reported, not
   * sent.
   */
  schedule: z.strictObject({ missedAfterMinutes: z.number().positive().default(60) }).prefault({}),
  /** The subscription service of `bulletin serve`: how long links live, and how hard it pushes back. */
  service: z
    .strictObject({
      /** Days a confirmation link works. */
      confirmDays: z.number().positive().default(7),
      /** Days unsubscribe and preferences links in sent mail keep working (RFC 8058 readers expect weeks). */
      linkDays: z.number().min(60).default(365),
      limits: z
        .strictObject({
          /** Subscribe forms a client address may post per hour. */
          subscribePerAddressPerHour: z.number().int().min(1).default(20),
          /** Confirmation emails one email address may be sent per day. */
          confirmationsPerEmailPerDay: z.number().int().min(1).default(3),
          /**
           * Requests with a bad or expired link a client address may make per hour (valid one-click
           * unsubscribes are never limited).
           */
          badLinksPerAddressPerHour: z.number().int().min(1).default(30),
        })
        .prefault({}),
      /**
       * Behind reverse proxies: how to find the client's address in X-Forwarded-For. The number
       * of proxies in front (1 for one nginx), or their addresses/CIDRs; never `true` on the open
       * internet, where anyone can write that header.
       */
      trustProxy: z
        .union([z.literal(false), z.number().int().min(1), z.string(), z.array(z.string())])
        .default(false),
    })
    .prefault({}),
  /**
   * `clicks`: each link of a sent email goes through `bulletin serve` (`/r/<issue>/<link>`, the same
   * address in every recipient's copy) to count which items were read; off by default.
   */
  analytics: z.strictObject({ clicks: z.boolean().default(false) }).prefault({}),
  /**
   * The subscriber database: a SQLite file path (relative to the site folder) or `sqlite:PATH`; default
   * `.bulletin/bulletin.db`.
   */
  database: oneLine.optional(),
  /** Where templates live, relative to the config file; the built-in ones are used when absent. */
  templates: oneLine.optional(),
});

/** `site.logo` once read (site-logo.ts): what the archive publishes and the headers show. */
export interface SiteLogo {
  /** The file, absolute; read again when the archive is written. */
  file: string;
  type: 'png' | 'jpg' | 'svg' | 'gif' | 'webp';
  width: number;
  height: number;
  /** The start of the file's SHA-256: names the published copies, so a new logo is a new address. */
  hash: string;
}

/** The config as checked; `siteLogo` is set by loadConfig when `site.logo` names a usable image. */
export type Config = z.infer<typeof configSchema> & { siteLogo?: SiteLogo };

function validIntl({ locale, timeZone }: { locale?: string; timeZone?: string }): boolean {
  try {
    new Intl.DateTimeFormat(locale, timeZone ? { timeZone } : {});
    return locale === undefined || Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch (error) {
    // What Intl throws for a malformed locale tag or an unknown time zone.
    if (error instanceof RangeError) return false;
    throw error;
  }
}
