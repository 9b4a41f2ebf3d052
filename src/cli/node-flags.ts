/**
 * The V8 flags the `bulletin` command runs with. Its `#!` line hands them to node (main.ts), as do
 * `npm start` and the benchmarks, which run it as users do; a test keeps the three the same. (V8
 * reads its flags once, as it starts: they cannot be set from inside, nor for a worker thread alone.)
 *
 * `--interrupt-budget` four times V8's default: TurboFan optimizes a function only once it has run
 * four times as much bytecode. A cold `build --all` runs its work on four threads, each its own V8
 * isolate that optimizes its own code, for a few seconds; TurboFan compiling their warm but not hot
 * functions on V8's platform threads was ~7 % of all its CPU. With this flag, 5 alternating pairs
 * on the 520-issue corpus took 12.9-14.0 s of CPU against 14.6-14.9 s, and 6.9-7.6 s against
 * 7.9-8.1 s of wall time. A long-running command (serve, preview) reaches the same optimized code,
 * a little later.
 */
export const NODE_FLAGS: readonly string[] = ['--interrupt-budget=270336'];
