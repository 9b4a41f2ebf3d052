import { readFileSync } from 'node:fs';

/**
 * The transactions committed to a SQLite WAL file so far: its frames that end a commit (a
 * non-zero database size in the frame header) and belong to the current WAL (their salts are
 * the header's; frames left from before a checkpoint's restart have old ones).
 * https://www.sqlite.org/fileformat2.html#walformat
 */
export function commitsInWal(walPath: string): { commits: number; salts: string } {
  const wal = readFileSync(walPath);
  if (wal.length < 32) return { commits: 0, salts: '' };
  const pageSize = wal.readUInt32BE(8);
  const salts = wal.subarray(16, 24);
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (!wal.subarray(at + 8, at + 16).equals(salts)) break;
    if (wal.readUInt32BE(at + 4) > 0) commits++;
  }
  return { commits, salts: salts.toString('hex') };
}
