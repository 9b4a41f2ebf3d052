import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { bulletin, repoRoot } from './helpers/cli.js';
import { SITE_ENGINES } from './helpers/site-database.js';
import { tempSite } from './helpers/site.js';

/** The end of one sent message (after the lead), from the outbox, as one line of words. */
async function footerOf(root: string, address: string): Promise<{ html: string; text: string }> {
  const eml = readFileSync(join(root, '.bulletin', 'outbox', '2018-05-11', 'weekly', `${address}.eml`));
  const parsed = await simpleParser(eml);
  const words = (s: string) => s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  const footer = (s: string) => s.slice(s.lastIndexOf('Have a good weekend'));
  return { html: footer(words(String(parsed.html))), text: footer(words(parsed.text ?? '')) };
}

/**
 * The footer names the list, and the day the person subscribed when they did so themselves (the form's
 * confirmation): the send reads it from the subscriber store with each claimed row.
 */
describe.each(SITE_ENGINES)('the footer of a real send on $name', (engine) => {
  if (engine.skip) {
    test.skip(`${engine.name}: ${engine.skip}`, () => undefined);
    return;
  }

  test('names the list and the day of a confirmed subscription; an imported one says only the list', async () => {
    const site = tempSite();
    const database = await engine.database(site.root);
    try {
      cpSync(join(repoRoot, 'bulletins', '2018-05-11'), join(site.root, 'bulletins', '2018-05-11'), {
        recursive: true,
      });
      writeFileSync(join(site.root, 'members.csv'), 'email,name\nann@example.org,Ann\n');
      const imported = bulletin(
        ['subscribers', 'import', 'members.csv', '--list', 'weekly'],
        site.root,
        database.env,
      );
      expect(imported.status).toBe(0);
      // Cy subscribes on the form at 23:30 UTC on 2 March, which is 2 March in London too; confirms the next day.
      const stores = await database.open();
      try {
        const request = await stores.subscribers.requestSubscription(
          { email: 'cy@example.org' },
          ['weekly'],
          {
            source: 'form',
            at: '2026-03-02T23:30:00.000Z',
          },
        );
        if (request.capped) throw new Error('capped');
        expect(
          await stores.subscribers.confirmSubscription(request.nonce, 'cy@example.org', {
            source: 'double-opt-in',
            at: '2026-03-03T00:30:00.000Z',
          }),
        ).toMatchObject({ outcome: 'confirmed' });
      } finally {
        await stores.close();
      }
      const env = { ...database.env, BULLETIN_SECRET: 'cli-secret', SMTP_URL: '' };
      const sent = bulletin(['send', '2018-05-11', '--list', 'weekly', '--force', '--json'], site.root, env);
      expect(sent.status).toBe(0);
      expect(JSON.parse(sent.stdout).counts).toMatchObject({ sent: 2 });

      const cy = await footerOf(site.root, 'cy@example.org');
      const confirmed =
        'You receive the Weekly bulletin at cy@example.org because you subscribed on 3 March 2026.';
      expect(cy.html).toContain(confirmed);
      expect(cy.text).toContain(confirmed);
      const ann = await footerOf(site.root, 'ann@example.org');
      const listOnly =
        'You receive this email at ann@example.org because you subscribed to the Weekly bulletin.';
      expect(ann.html).toContain(listOnly);
      expect(ann.text).toContain(listOnly);
    } finally {
      site.remove();
    }
  });
});
