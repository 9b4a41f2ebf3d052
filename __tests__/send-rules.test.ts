import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { type ApprovalStore, approvalForSend } from '../src/approval/approvals.js';
import { twoPeopleRefusal } from '../src/approval/two-people.js';
import { loadConfig } from '../src/content/config.js';
import type { Config } from '../src/content/model.js';
import { tooOldToSend } from '../src/dispatch/send-policy.js';
import type { EmailLayout } from '../src/render/email/compile.js';
import { bulletin, repoRoot } from './helpers/cli.js';
import { tempSite } from './helpers/site.js';

const DATE = '2018-05-11';
let config: Config;

beforeAll(async () => {
  config = (await loadConfig(repoRoot)).config!;
});

describe('the rules send applies, in dispatch/ and approval/', () => {
  test('tooOldToSend: up to dispatch.maxAgeDays old may go; a day more is refused, with how to override', () => {
    const days = config.dispatch.maxAgeDays;
    const limit = new Date(Date.UTC(2018, 4, 11 + days)).toISOString().slice(0, 10);
    const after = new Date(Date.UTC(2018, 4, 12 + days)).toISOString().slice(0, 10);
    expect(tooOldToSend(config, DATE, limit)).toBeUndefined();
    expect(tooOldToSend(config, DATE, after)).toBe(
      `${DATE} is more than ${days} days old; sending an old issue is usually a mistake. Add --force if it is not.`,
    );
  });

  test('approvalForSend asks nothing when the config does not require approval', async () => {
    const layout = {} as EmailLayout;
    const notRequired = { ...config, approval: { ...config.approval, required: false } };
    const asked: string[] = [];
    const approvals: ApprovalStore = {
      approve: async () => void asked.push('approve'),
      of: async () => {
        asked.push('of');
        return [];
      },
    };
    expect(await approvalForSend(notRequired, approvals, DATE, layout)).toEqual({ ok: true });
    expect(asked).toEqual([]);
  });

  test('twoPeopleRefusal: only with approval.twoPeople; the editor, in any case, may not approve', () => {
    const twoPeople = { ...config, approval: { ...config.approval, twoPeople: true } };
    const onePerson = { ...config, approval: { ...config.approval, twoPeople: false } };
    expect(twoPeopleRefusal(onePerson, 'Sam Jones', 'Sam Jones')).toBeUndefined();
    expect(twoPeopleRefusal(twoPeople, ' Sam Jones ', 'sam jones')).toMatch(/is this issue's editor/);
    expect(twoPeopleRefusal(twoPeople, undefined, 'Ann')).toMatch(/names no editor/);
    expect(twoPeopleRefusal(twoPeople, 'Sam Jones', 'Ann Lee')).toBeUndefined();
  });

  test('bulletin send refuses an old issue without --force, and says so in JSON', () => {
    const site = tempSite();
    try {
      cpSync(join(repoRoot, 'bulletins', DATE), join(site.root, 'bulletins', DATE), { recursive: true });
      const sent = bulletin(['send', DATE, '--list', 'weekly', '--offline', '--json'], site.root);
      expect(sent.status).toBe(1);
      expect(sent.stderr).toContain(`${DATE} is more than ${config.dispatch.maxAgeDays} days old`);
      expect(JSON.parse(sent.stdout)).toEqual({ ok: false, reason: 'too-old' });
    } finally {
      site.remove();
    }
  });
});
