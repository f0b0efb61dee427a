/**
 * Runs `fn` after a poke, at most once per `intervalMs`: the first poke after
 * a quiet spell runs at once (next tick), pokes during the interval fold into
 * one run at its end.
 */
export function throttle(fn: () => void, intervalMs: number): { poke(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let lastAt = 0;
  let cancelled = false;
  return {
    poke() {
      if (timer || cancelled) return;
      timer = setTimeout(() => {
        timer = undefined;
        lastAt = Date.now();
        fn();
      }, Math.max(0, intervalMs - (Date.now() - lastAt)));
      timer.unref();
    },
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
