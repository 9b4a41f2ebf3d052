import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LinkTarget } from '../checks/link-targets.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { EmailLayout } from '../render/email/compile.js';

export interface EmailForSend {
  /** Config and issue problems, errors and warnings. */
  problems: Diagnostic[];
  /** Present when the issue has no errors. */
  layout?: EmailLayout;
  /** Every web address in the issue, for the network link check before sending. */
  links: LinkTarget[];
}

/**
 * Builds one issue's email for `bulletin send`, in a worker thread that then ends: MJML and the
 * rest of the build take about 60 MB that a send of 100,000 messages should not carry. (From the
 * compiled code only; under the test runner it builds in this thread.)
 */
export async function buildEmailForSend(root: string, date: string): Promise<EmailForSend> {
  const workerFile = fileURLToPath(new URL('./email-for-send-worker.js', import.meta.url));
  if (!existsSync(workerFile)) return buildHere(root, date);
  const worker = new Worker(workerFile, { workerData: { root, date } });
  try {
    return await new Promise<EmailForSend>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the build worker stopped (exit ${code}) before it finished ${date}`)),
      );
    });
  } finally {
    await worker.terminate();
  }
}

export async function buildHere(root: string, date: string): Promise<EmailForSend> {
  const { runPipeline } = await import('./pipeline.js');
  const report = await runPipeline({ root, dates: [date], write: false, keepEmails: true });
  const issue = report.issues[0];
  const email = issue?.email;
  return {
    problems: [...report.configProblems, ...(issue?.problems ?? [])],
    links: issue?.links ?? [],
    ...(email ? { layout: email.layout } : {}),
  };
}
