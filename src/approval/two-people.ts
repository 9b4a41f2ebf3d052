import type { Config } from '../content/model.js';

/**
 * With `approval.twoPeople`, the approver must not be the editor (named in issue.md, which
 * must then name one). Says why an approval is refused, or nothing when it may be recorded.
 */
export function twoPeopleRefusal(
  config: Config,
  editor: string | undefined,
  approver: string,
): string | undefined {
  if (!config.approval.twoPeople) return undefined;
  if (!editor)
    return 'approval.twoPeople asks for an approver other than the editor, and issue.md names no editor. Add `editor: NAME` to its front matter.';
  if (editor.trim().toLowerCase() === approver.toLowerCase())
    return `${approver} is this issue's editor; approval.twoPeople asks for someone else to approve it.`;
  return undefined;
}
