import { RelayLoop, type RelayStepResult } from './relay-loop';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RelayLoop linger', () => {
  it('pauses after a linger step even when notified (live punches accumulate into one batch), and stop() ends the pause', async () => {
    const steps: number[] = [];
    const loop = new RelayLoop(
      async (): Promise<RelayStepResult> => {
        steps.push(steps.length);
        return 'linger';
      },
      () => undefined,
      { idlePollMs: 60_000, lingerMs: 60_000 },
    );
    loop.start();
    await tick(20);
    loop.notify(); // a commit during the linger: must not start the next step early
    loop.notify();
    await tick(20);
    expect(steps).toEqual([0]);
    const stopped = Date.now();
    await loop.stop(1_000);
    expect(Date.now() - stopped).toBeLessThan(1_000); // the 60 s linger did not hold stop() up
  });

  it('runs the next step after the linger', async () => {
    let steps = 0;
    const loop = new RelayLoop(
      async (): Promise<RelayStepResult> => (++steps < 3 ? 'linger' : 'idle'),
      () => undefined,
      { idlePollMs: 60_000, lingerMs: 5 },
    );
    loop.start();
    for (let i = 0; i < 200 && steps < 3; i++) await tick(5);
    await loop.stop();
    expect(steps).toBe(3);
  });
});
