// mailauth ships no types; this is the part of its DKIM verifier the tests use.
declare module 'mailauth/lib/dkim/verify.js' {
  export interface DkimResult {
    signingDomain: string;
    selector: string;
    status: { result: 'pass' | 'fail' | 'neutral' | 'none' | 'temperror' | 'permerror'; comment?: string };
    signingHeaders: { keys: string };
  }
  export function dkimVerify(
    message: Buffer | string,
    options: { resolver(name: string, type: string): Promise<string[][]> },
  ): Promise<{ results: DkimResult[] }>;
}
