/** Runs `work` over `items` with at most `limit` at once, until done or `stopped()` says stop. */
export async function runPool<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  stopped: () => boolean = () => false
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (!stopped()) {
      const i = next++
      if (i >= items.length) return
      await work(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
}

/** SIGINT/SIGTERM: the first asks the run to stop after the rows in flight; the second exits. */
export function interruptible(onFirst: () => void): {
  interrupted: () => boolean
  dispose: () => void
} {
  let count = 0
  const handler = () => {
    count++
    if (count === 1) {
      process.stderr.write(
        '\nfluxgate: interrupted: finishing the rows in flight (Ctrl-C again to quit at once)\n'
      )
      onFirst()
    } else process.exit(130)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    interrupted: () => count > 0,
    dispose: () => {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    },
  }
}
