import { RelayLoop, RelayStoppedError, settlesWithin, type RelayStepResult } from './relay-loop';

/** A send that never settles by itself: the unreachable broker that kafkajs keeps retrying. */
function hangingSend(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('RelayLoop.stop', () => {
  it('abandons a step whose send is still in flight after the grace: nothing after the guarded wait runs, even when the send is acknowledged later', async () => {
    const send = hangingSend();
    const marked: string[] = [];
    const failures: unknown[] = [];
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => (stepStarted = resolve));
    const loop: RelayLoop = new RelayLoop(
      async (): Promise<RelayStepResult> => {
        stepStarted();
        await loop.guard(send.promise);
        marked.push('batch-1');
        return 'busy';
      },
      (error) => failures.push(error),
      { idlePollMs: 60_000 },
    );
    loop.start();
    await started;
    await loop.stop(20);
    send.resolve(); // the broker's ack arrives after stop() returned
    await new Promise((resolve) => setImmediate(resolve));
    expect(marked).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('lets a step that finishes within the grace complete, so its rows are marked', async () => {
    const send = hangingSend();
    const marked: string[] = [];
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => (stepStarted = resolve));
    let steps = 0;
    const loop: RelayLoop = new RelayLoop(
      async (): Promise<RelayStepResult> => {
        if (steps++ > 0) return 'idle';
        stepStarted();
        await loop.guard(send.promise);
        marked.push('batch-1');
        return 'busy';
      },
      () => undefined,
      { idlePollMs: 60_000 },
    );
    loop.start();
    await started;
    const stopping = loop.stop(60_000);
    send.resolve();
    await stopping;
    expect(marked).toEqual(['batch-1']);
  });

  it('does not sleep a back-off when the step in flight fails during stop (a 60 s back-off would outlast the test)', async () => {
    const send = hangingSend();
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => (stepStarted = resolve));
    const loop: RelayLoop = new RelayLoop(
      async (): Promise<RelayStepResult> => {
        stepStarted();
        await loop.guard(send.promise);
        return 'busy';
      },
      () => undefined,
      { idlePollMs: 60_000, minBackoffMs: 60_000, maxBackoffMs: 60_000 },
    );
    loop.start();
    await started;
    const stopping = loop.stop(120_000);
    send.reject(new Error('KafkaJSNumberOfRetriesExceeded'));
    await stopping;
  });

  it('ends an idle wait and a back-off at once', async () => {
    let calls = 0;
    const failing = new RelayLoop(
      () => Promise.reject(new Error(`down ${++calls}`)),
      () => undefined,
      { idlePollMs: 60_000, minBackoffMs: 60_000, maxBackoffMs: 60_000 },
    );
    failing.start();
    await new Promise((resolve) => setImmediate(resolve));
    await failing.stop(120_000);
    expect(calls).toBe(1);
    const idle = new RelayLoop(() => Promise.resolve('idle' as const), () => undefined, { idlePollMs: 60_000 });
    idle.start();
    await new Promise((resolve) => setImmediate(resolve));
    await idle.stop(120_000);
  });

  it('after an abandoned stop, a guarded wait rejects at once until the loop is started again', async () => {
    const send = hangingSend();
    let stepStarted!: () => void;
    const started = new Promise<void>((resolve) => (stepStarted = resolve));
    const loop: RelayLoop = new RelayLoop(
      async (): Promise<RelayStepResult> => {
        stepStarted();
        await loop.guard(send.promise);
        return 'busy';
      },
      () => undefined,
      { idlePollMs: 60_000 },
    );
    loop.start();
    await started;
    await loop.stop(10);
    await expect(loop.guard(Promise.resolve(1))).rejects.toBeInstanceOf(RelayStoppedError);
  });
});

describe(settlesWithin.name, () => {
  it('tells a settled promise (either way) from one still pending, without cancelling it', async () => {
    expect(await settlesWithin(Promise.resolve(), 60_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 60_000)).toBe(true);
    expect(await settlesWithin(null, 0)).toBe(true);
    expect(await settlesWithin(new Promise(() => undefined), 10)).toBe(false);
  });
});
