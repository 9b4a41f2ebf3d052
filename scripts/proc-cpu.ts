/**
 * CPU time of other processes, read from Linux's /proc (for the bench: the SMTP sink, and a
 * PostgreSQL server with its backends). Undefined where /proc cannot be read.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** The fields after the command name of /proc/PID/stat (the name can hold spaces and brackets). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (error) {
    // ENOENT: the process ended between listing and reading.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

// Indices into statFields: field N of proc(5) is at N - 3.
const PPID = 1;
const UTIME = 11;
const STIME = 12;
const CUTIME = 13;
const CSTIME = 14;

/** CPU ms of one process (user + system). */
export function processCpuMs(pid: number): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  return ((Number(fields[UTIME]) + Number(fields[STIME])) * 1000) / clockTicks();
}

/**
 * CPU ms of a server and all it has spent through its children: its own, its ended children's (the
 * kernel adds them to the parent once reaped), and its live children's. Differences between two
 * readings are what the server did in between, backends that came and went included.
 */
export function processTreeCpuMs(pid: number): number | undefined {
  const own = statFields(pid);
  if (!own) return undefined;
  let ticks = [UTIME, STIME, CUTIME, CSTIME].reduce((sum, field) => sum + Number(own[field]), 0);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && Number(fields[PPID]) === pid) ticks += Number(fields[UTIME]) + Number(fields[STIME]);
  }
  return (ticks * 1000) / clockTicks();
}
