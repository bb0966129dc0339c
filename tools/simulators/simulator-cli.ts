/** What the simulator command lines share: argument checks, JSON log lines, and a clean stop on Ctrl-C. */

export function positiveInt(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

/** One JSON line per event on stdout, tagged with the simulator's name. */
export function jsonLogger(sim: string): (fields: Record<string, unknown>) => void {
  return (fields) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), sim, ...fields })}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** On SIGINT/SIGTERM: let the device loops see `onStop`, log the totals, and exit shortly after. */
export function stopOnSignals(onStop: () => void, log: (fields: Record<string, unknown>) => void, totals: Record<string, number>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      onStop();
      log({ event: 'stopping', ...totals });
      setTimeout(() => process.exit(0), 200).unref();
    });
  }
}
