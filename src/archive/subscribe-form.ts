import type { Config } from '../content/model.js';

export interface SubscribeFormView {
  action: string;
  /** Prefixes the fields' ids: a page may carry two forms (its own and the footer's). */
  idPrefix: string;
  /** The id of the heading that names the form (a `form` landmark), where it has one. */
  labelledBy?: string;
  values: { email?: string; name?: string };
  errors: { form?: string; email?: string; lists?: string };
  lists: { id: string; name: string; description?: string; checked: boolean }[];
}

/**
 * The subscribe form as the templates see it: on the archive's subscribe page (posting to the
 * service) and on the service's own pages (with the values and errors of a rejected post).
 * Only public lists are offered; with one, it comes ticked.
 */
export function subscribeFormView(
  config: Config,
  action: string,
  chosen: readonly string[] = [],
  values: SubscribeFormView['values'] = {},
  errors: SubscribeFormView['errors'] = {},
  placement: Pick<SubscribeFormView, 'idPrefix' | 'labelledBy'> = { idPrefix: 'subscribe' },
): SubscribeFormView {
  const lists = config.lists.filter((l) => l.public);
  return {
    action,
    ...placement,
    values,
    errors,
    lists: lists.map((l) => ({
      id: l.id,
      name: l.name,
      ...(l.description ? { description: l.description } : {}),
      checked: lists.length === 1 || chosen.includes(l.id),
    })),
  };
}
