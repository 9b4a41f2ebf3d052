import { duration, SendProgress } from '../src/cli/progress.js';
import { parseWindow } from '../src/cli/commands/send.js';
import { Pacer, pause } from '../src/dispatch/pacer.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('Pacer', () => {
  test('spaces messages evenly at the rate, and hands each slot out once', () => {
    const time = clock();
    const pacer = new Pacer({ perSecond: 4, now: time.now });
    // Four workers asking at the same instant get four different slots, 250 ms apart.
    expect([pacer.reserve(), pacer.reserve(), pacer.reserve(), pacer.reserve()]).toEqual([0, 250, 500, 750]);
    time.advance(2000);
    // An idle spell does not bank credit for a burst.
    expect([pacer.reserve(), pacer.reserve()]).toEqual([0, 250]);
  });

  test('the sliding window holds the (N+1)th message until the first leaves the window', () => {
    const time = clock();
    const pacer = new Pacer({ perSecond: 1000, window: { messages: 3, ms: 60_000 }, now: time.now });
    expect(pacer.reserve()).toBe(0);
    expect(pacer.reserve()).toBe(1);
    expect(pacer.reserve()).toBe(2);
    // The fourth may go 60 s after the first, not at the top of some fixed minute.
    expect(pacer.reserve()).toBe(60_000);
    time.advance(60_000);
    // ...and the fifth 60 s after the second (sent at +1 ms), so 1 ms from now.
    expect(pacer.reserve()).toBe(1);
    expect(pacer.reserve()).toBe(2);
  });

  test('earlier sends (from the ledger) count against the window', () => {
    const time = clock();
    const history = [time.now() - 50_000, time.now() - 40_000];
    const pacer = new Pacer({ perSecond: 1000, window: { messages: 2, ms: 60_000 }, history, now: time.now });
    // Two went out 50 s and 40 s ago: the next may go when the older one is a minute old.
    expect(pacer.reserve()).toBe(10_000);
    expect(pacer.reserve()).toBe(20_000);
  });

  test('pause ends early, and says so, when the send is stopped', async () => {
    const abort = new AbortController();
    const waiting = pause(60_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(pause(0, abort.signal)).resolves.toBe(false);
    await expect(pause(1)).resolves.toBe(true);
  });
});

describe('--window', () => {
  test('reads messages per duration', () => {
    expect(parseWindow('2000/24h')).toEqual({ messages: 2000, ms: 86_400_000 });
    expect(parseWindow('500/1h')).toEqual({ messages: 500, ms: 3_600_000 });
    expect(parseWindow(' 100 / 30m ')).toEqual({ messages: 100, ms: 1_800_000 });
    expect(parseWindow('10/1.5s')).toEqual({ messages: 10, ms: 1500 });
    expect(parseWindow('5000/1d')).toEqual({ messages: 5000, ms: 86_400_000 });
  });

  test.each(['2000', '2000/', '/24h', '0/1h', '2000/24', '2000/0h', 'lots/1h', '20/1w'])(
    'refuses %p with an example of the form',
    (text) => {
      expect(() => parseWindow(text)).toThrow(/e\.g\. 2000\/24h/);
    },
  );
});

describe('the progress line', () => {
  function recorder(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, out: { isTTY, write: (text: string) => writes.push(text) } };
  }

  test('shows the bar, counts, rate and ETA', () => {
    const time = clock();
    const { out } = recorder(true);
    const progress = new SendProgress(out, time.now);
    progress.start(1000);
    for (let second = 0; second < 10; second++) {
      time.advance(1000);
      for (let i = 0; i < 20; i++) progress.record('sent');
    }
    progress.record('failed');
    progress.record('unknown');
    progress.record('retry');
    // 202 done of 1,000 at about 20 a second: 798 left, about 40 s.
    expect(progress.line()).toBe(
      '[####................]  20%  202 of 1,000 · 1 failed · 1 unknown · 1 retries · 20.2/s · ETA 40s',
    );
  });

  test('says when it is holding for the window cap, and done at the end', () => {
    const time = clock(Date.UTC(2026, 10, 26, 9, 0));
    const { out } = recorder(true);
    const progress = new SendProgress(out, time.now);
    progress.start(2);
    progress.record('sent');
    progress.waiting(new Date(Date.UTC(2026, 10, 26, 10, 30)));
    expect(progress.line()).toContain('holding for the window cap until 10:30 UTC');
    time.advance(1000);
    progress.record('skipped');
    expect(progress.line()).toMatch(
      /^\[#{20}\] 100% {2}2 of 2 · 0 failed · 0 unknown · 1 skipped · .* · done$/,
    );
  });

  test('redraws in place on a terminal, at most four times a second', () => {
    const time = clock();
    const { out, writes } = recorder(true);
    const progress = new SendProgress(out, time.now);
    progress.start(100);
    for (let i = 0; i < 50; i++) {
      time.advance(10);
      progress.record('sent');
    }
    progress.finish();
    // 500 ms of sending: the start, two redraws, and the final line.
    expect(writes.length).toBe(4);
    expect(writes.slice(0, -1).every((w) => w.startsWith('\r\x1b[K') && !w.endsWith('\n'))).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the redraw escape sequence
    expect(writes.at(-1)).toMatch(/^\r\x1b\[K.*50 of 100.*\n$/);
  });

  test('writes whole lines, every ten seconds, to a log', () => {
    const time = clock();
    const { out, writes } = recorder(false);
    const progress = new SendProgress(out, time.now);
    progress.start(10_000);
    for (let i = 0; i < 300; i++) {
      time.advance(100);
      progress.record('sent');
    }
    progress.finish();
    // The start, one line per ten seconds of thirty, and the final state.
    expect(writes.length).toBe(5);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(writes.at(-1)).toContain('300 of 10,000');
  });

  test('durations read naturally', () => {
    expect(duration(12_400)).toBe('12s');
    expect(duration(227_000)).toBe('3m 47s');
    expect(duration(3 * 3600_000 + 5 * 60_000)).toBe('3h 05m');
  });
});
