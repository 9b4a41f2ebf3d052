/**
 * Bulletin's colours, named once: the built-in email templates and the service's mails get them as
 * data (`{{palette.brand}}`), the Markdown renderer's inline styles read them here. They are
 * trusted constants, never content, so they reach MJML as they are (it needs real colours).
 *
 * Not here: templates/site/assets/site.css and src/preview/studio/studio.css, static files served
 * as written; each names the same colours once, in its own `:root` custom properties.
 */
export const palette = {
  /** Body text and headings. */
  ink: '#212b32',
  /** Small print, bylines, tags. */
  muted: '#4c6272',
  /** Links, the masthead, section headings. */
  brand: '#005eb8',
  /** Text on the brand colour. */
  onBrand: '#ffffff',
  /** Dividers between sections. */
  rule: '#d8dde0',
  /** Behind the cards. */
  page: '#f0f4f5',
  /** The cards that hold the content. */
  card: '#ffffff',
  /** Tables and quotes in article text. */
  tableRule: '#c8ccd4',
  tableHead: '#f2f4f7',
  quote: '#4a4f57',
  /** The same parts in a mail app's dark mode. */
  dark: {
    page: '#121416',
    card: '#1e2428',
    text: '#e8edee',
    link: '#9ccbff',
    small: '#c2cdd4',
  },
} as const;
