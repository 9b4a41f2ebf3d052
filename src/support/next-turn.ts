/**
 * Resolves on a later turn of the event loop, once the I/O waiting now has been let in (a worker's
 * messages, a child process's answers): work that awaits only promises, however long, keeps all of
 * it out until it ends.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
