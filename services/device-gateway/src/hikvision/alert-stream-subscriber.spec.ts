import { AlertStreamSubscriber, type AlertStreamItem, type AlertStreamRequester, type AlertStreamState } from './alert-stream-subscriber';
import { DigestAuthError, type DigestRequestInit } from './digest-http-client';
import { ALERT_STREAM_CONTENT_TYPE, alertStreamBody77 } from './isapi-captures.fixtures';
import { ReconnectBackoff } from './reconnect-backoff';

type Script = (signal: AbortSignal) => Response | Promise<Response>;

/** A response whose body is the given chunks, then either the end of the stream or silence until aborted. */
function streamResponse(chunks: Buffer[], signal: AbortSignal, then: 'end' | 'hang', contentType = ALERT_STREAM_CONTENT_TYPE): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
      if (then === 'end') controller.close();
      signal.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': contentType } });
}

function split(bytes: Buffer, seed: number): Buffer[] {
  const chunks: Buffer[] = [];
  let state = seed;
  for (let pos = 0; pos < bytes.length; ) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const size = 1 + (state % 700);
    chunks.push(bytes.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

function scripted(scripts: Script[]): AlertStreamRequester & { calls: number } {
  const requester = {
    calls: 0,
    async request(_path: string, init?: DigestRequestInit): Promise<Response> {
      const script = scripts[Math.min(requester.calls, scripts.length - 1)]!;
      requester.calls++;
      return script(init!.signal!);
    },
  };
  return requester;
}

function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe(AlertStreamSubscriber.name, () => {
  it('parses events across reconnects, reports serial gaps and repeats, and survives idle and auth failures', async () => {
    const capture = alertStreamBody77();
    const requester = scripted([
      (signal) => streamResponse(split(capture, 1), signal, 'end'), // the capture, then the device closes
      (signal) => streamResponse([capture.subarray(0, 40)], signal, 'hang'), // goes silent mid-part
      () => {
        throw new DigestAuthError('rejected', 'credentials-rejected', null);
      },
      (signal) => streamResponse(split(capture, 2), signal, 'hang'), // replays the same events (currentEvent false)
    ]);
    const items: AlertStreamItem[] = [];
    const states: AlertStreamState[] = [];
    const subscriber = new AlertStreamSubscriber({
      client: requester,
      onItem: (item) => void items.push(item),
      onState: (state) => states.push(state),
      idleTimeoutMs: 80,
      backoff: { initialMs: 5, maxMs: 20 },
      authRetryMs: 10,
    });
    subscriber.start();
    await waitFor(() => items.length >= 10);
    await subscriber.stop();

    const summary = items.map((item) =>
      item.kind === 'access-event' ? `${item.event.serialNo}:${item.observation?.kind}${item.observation?.kind === 'gap' ? `(${item.observation.gap.from}-${item.observation.gap.to})` : ''}` : item.kind,
    );
    // 588 and 590 are not in the fixture: frontSerialNo reveals each as a one-event gap.
    expect(summary).toEqual(['587:first', '589:gap(588-588)', '591:gap(590-590)', 'picture', '592:next', '587:repeat', '589:repeat', '591:repeat', 'picture', '592:repeat']);
    expect(states.filter((s) => s.type === 'disconnected').map((s) => s.type === 'disconnected' && s.reason)).toEqual(['ended', 'idle-timeout', 'auth']);
    expect(states.filter((s) => s.type === 'connected')).toEqual([
      { type: 'connected', reconnect: false },
      { type: 'connected', reconnect: true },
      { type: 'connected', reconnect: true },
    ]);
    expect(states.at(-1)).toEqual({ type: 'stopped' });
    expect(subscriber.stats).toMatchObject({ connections: 3, accessEvents: 8, pictures: 2 });
    expect(subscriber.lastSerialNo).toBe(592);
  });

  it('treats a handler failure as a disconnect and a non-multipart answer as an error, then reconnects', async () => {
    const capture = alertStreamBody77();
    const requester = scripted([
      (signal) => streamResponse([capture], signal, 'hang', 'application/xml'),
      () => new Response('busy', { status: 503 }),
      (signal) => streamResponse([capture], signal, 'hang'),
    ]);
    const reasons: string[] = [];
    let failed = false;
    const subscriber = new AlertStreamSubscriber({
      client: requester,
      onItem: () => {
        if (!failed) {
          failed = true;
          throw new Error('disk full');
        }
      },
      onState: (state) => state.type === 'disconnected' && reasons.push(`${state.reason}:${state.detail}`),
      backoff: { initialMs: 1, maxMs: 2 },
    });
    subscriber.start();
    await waitFor(() => reasons.length >= 3);
    await subscriber.stop();
    expect(reasons.slice(0, 3)).toEqual([
      'not-multipart:Content-Type "application/xml" has no multipart boundary',
      'http-status:HTTP 503',
      'handler-error:onItem failed: disk full',
    ]);
  });

  it('stops promptly while waiting to reconnect', async () => {
    const requester = scripted([() => new Response('', { status: 500 })]);
    const subscriber = new AlertStreamSubscriber({ client: requester, onItem: () => undefined, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    subscriber.start();
    await waitFor(() => requester.calls === 1);
    const started = Date.now();
    await subscriber.stop();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe(ReconnectBackoff.name, () => {
  it('grows exponentially to the cap with equal jitter (never below half the step) and resets', () => {
    const low = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const high = new ReconnectBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    low.reset();
    expect(low.next()).toBe(50);
  });
});
