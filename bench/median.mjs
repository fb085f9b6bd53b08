/** Median wall time in seconds of `reps` calls of `fn`, after one warm-up call. */
export function medianSeconds(fn, reps) {
  fn()
  const times = []
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint()
    fn()
    times.push(Number(process.hrtime.bigint() - t) / 1e9)
  }
  times.sort((a, b) => a - b)
  return times[times.length >> 1]
}
