// NOTE: Jest runs globalSetup and globalTeardown in its main process and documents globals set by the
// one as readable by the other; that is the supported channel for "what did the setup start", rather than
// relying on both files sharing one module instance.
declare global {
  var __attendanceTestInfraStops: Array<() => Promise<void>> | undefined;
}

export function rememberStops(stops: Array<() => Promise<void>>): void {
  globalThis.__attendanceTestInfraStops = [...(globalThis.__attendanceTestInfraStops ?? []), ...stops];
}

/** Returns and forgets the stop functions, so a second teardown does nothing. */
export function takeStops(): Array<() => Promise<void>> {
  const stops = globalThis.__attendanceTestInfraStops ?? [];
  globalThis.__attendanceTestInfraStops = undefined;
  return stops;
}
