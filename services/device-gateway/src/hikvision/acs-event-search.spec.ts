import { AcsEventSearchError, pullAcsEvents, type AcsEventPullPage, type AcsEventPullSummary, type IsapiTextRequester } from './acs-event-puller';
import { buildAcsEventSearchBody, decodeAcsEventSearchResponse } from './acs-event-search';
import { searchItem } from './isapi-captures.fixtures';
import { SerialTracker } from './serial-tracker';

describe(buildAcsEventSearchBody.name, () => {
  it('sends major/minor even when 0 and both serial bounds when one is given', () => {
    expect(buildAcsEventSearchBody({ searchId: 's', position: 30, maxResults: 30, beginSerialNo: 101 })).toEqual({
      AcsEventCond: {
        searchID: 's',
        searchResultPosition: 30,
        maxResults: 30,
        major: 0,
        minor: 0,
        beginSerialNo: 101,
        endSerialNo: 2_147_483_647,
        timeReverseOrder: false,
        picEnable: false,
      },
    });
  });
});

describe(decodeAcsEventSearchResponse.name, () => {
  const body = (acs: Record<string, unknown>) => JSON.stringify({ AcsEvent: { searchID: 's', ...acs } });

  it('decodes a MORE page, tolerating unknown fields and string counts', () => {
    const decoded = decodeAcsEventSearchResponse(
      200,
      body({ responseStatusStrg: 'MORE', numOfMatches: '2', totalMatches: 40, vendorExtra: true, InfoList: [searchItem({ serialNo: 1 }), searchItem({ serialNo: 2 })] }),
    );
    expect(decoded).toMatchObject({ ok: true, page: { status: 'MORE', numOfMatches: 2, totalMatches: 40, countMismatch: false } });
    expect(decoded.ok && decoded.page.events.map((e) => e.serialNo)).toEqual([1, 2]);
  });

  it.each(['NO MATCH', 'NO_MATCH', 'no match'])('reads %s without an InfoList', (status) => {
    expect(decodeAcsEventSearchResponse(200, body({ responseStatusStrg: status, numOfMatches: 0, totalMatches: 0 }))).toMatchObject({
      ok: true,
      page: { status: 'NO MATCH', events: [], countMismatch: false },
    });
  });

  it('keeps unreadable items with their raw value instead of failing the page', () => {
    const decoded = decodeAcsEventSearchResponse(200, body({ responseStatusStrg: 'OK', numOfMatches: 3, InfoList: [searchItem(), { minor: 1 }, 42] }));
    expect(decoded.ok && decoded.page.events).toHaveLength(1);
    expect(decoded.ok && decoded.page.invalid.map((i) => [i.index, i.reason])).toEqual([
      [1, 'invalid-fields'],
      [2, 'not-an-object'],
    ]);
  });

  it('reports device errors in JSON and in XML, and malformed bodies', () => {
    expect(decodeAcsEventSearchResponse(400, '{"statusCode": 6, "statusString": "Invalid Content", "subStatusCode": "badJsonContent"}')).toEqual({
      ok: false,
      failure: { kind: 'device-error', httpStatus: 400, statusCode: 6, subStatusCode: 'badJsonContent', detail: 'Invalid Content: badJsonContent' },
    });
    const xml = '<?xml version="1.0"?><ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>';
    expect(decodeAcsEventSearchResponse(403, xml)).toMatchObject({ ok: false, failure: { kind: 'device-error', statusCode: 4, subStatusCode: 'notSupport' } });
    expect(decodeAcsEventSearchResponse(200, '<html>')).toMatchObject({ ok: false, failure: { kind: 'malformed-response' } });
    expect(decodeAcsEventSearchResponse(200, body({ responseStatusStrg: 'WHAT', numOfMatches: 0 }))).toMatchObject({ ok: false, failure: { kind: 'malformed-response' } });
  });
});

describe(SerialTracker.name, () => {
  it('reports jumps, front-serial gaps and repeats', () => {
    const t = new SerialTracker(null);
    expect(t.observe(10)).toEqual({ kind: 'first' });
    expect(t.observe(11)).toEqual({ kind: 'next' });
    expect(t.observe(15)).toEqual({ kind: 'gap', gap: { from: 12, to: 14, revealedBy: 15, basis: 'serial-jump' } });
    expect(t.observe(15)).toEqual({ kind: 'repeat', lastSeen: 15 });
    expect(t.observe(3)).toEqual({ kind: 'repeat', lastSeen: 15 });
    expect(t.observe(null)).toEqual({ kind: 'no-serial' });
    expect(t.observe(30, 27)).toEqual({ kind: 'gap', gap: { from: 16, to: 27, revealedBy: 30, basis: 'front-serial' } });
    expect(t.lastSeen).toBe(30);
  });

  it('does not report the captured stream_77 jump (serial 587 with frontSerialNo 579) when 579 was the last seen', () => {
    const t = new SerialTracker(579);
    expect(t.observe(587, 579)).toEqual({ kind: 'next' });
    expect(t.observe(588, 587)).toEqual({ kind: 'next' });
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** A device answering AcsEvent searches over `events` (ascending serials), capping pages like firmware does. */
function fakeSearchDevice(events: Record<string, unknown>[], options: { cap?: number; beforeSearch?: (call: number) => void } = {}) {
  const calls: Record<string, unknown>[] = [];
  const requester: IsapiTextRequester = {
    async requestText(_path, init) {
      const cond = (JSON.parse(init.body) as { AcsEventCond: Record<string, number | string> }).AcsEventCond;
      calls.push(cond);
      options.beforeSearch?.(calls.length);
      const begin = Number(cond['beginSerialNo'] ?? 0);
      const end = Number(cond['endSerialNo'] ?? 0);
      const matching = events.filter((e) => (begin === 0 || Number(e['serialNo']) >= begin) && (end === 0 || Number(e['serialNo']) <= end));
      const position = Number(cond['searchResultPosition']);
      const page = matching.slice(position, position + Math.min(Number(cond['maxResults']), options.cap ?? 30));
      const more = position + page.length < matching.length;
      const status = matching.length === 0 ? 'NO MATCH' : more ? 'MORE' : 'OK';
      const acs: Record<string, unknown> = { searchID: cond['searchID'], responseStatusStrg: status, numOfMatches: page.length, totalMatches: matching.length };
      if (page.length > 0) acs['InfoList'] = page;
      return { status: 200, text: JSON.stringify({ AcsEvent: acs }) };
    },
  };
  return { requester, calls, events };
}

async function drain(generator: AsyncGenerator<AcsEventPullPage, AcsEventPullSummary>) {
  const pages: AcsEventPullPage[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return { pages, summary: step.value };
    pages.push(step.value);
  }
}

const serials = (from: number, to: number, item: (serial: number) => Record<string, unknown> = (s) => searchItem({ serialNo: s })) =>
  Array.from({ length: to - from + 1 }, (_, i) => item(from + i));
const fast = { pageDelayMs: 0 };

describe(pullAcsEvents.name, () => {
  it('pages with one searchID, advancing by numOfMatches, and ends with the cursor at the last serial', async () => {
    const device = fakeSearchDevice(serials(1, 95), { cap: 30 });
    const { pages, summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0, pageSize: 50 }));
    expect(pages.map((p) => [p.position, p.events.length, p.cursor])).toEqual([
      [0, 30, 30],
      [30, 30, 60],
      [60, 30, 90],
      [90, 5, 95],
    ]);
    expect(new Set(device.calls.map((c) => c['searchID'])).size).toBe(1);
    expect(device.calls.every((c) => c['beginSerialNo'] === 1 && c['maxResults'] === 50)).toBe(true);
    expect(summary).toMatchObject({ cursor: 95, pages: 4, events: 95, punches: 95, gaps: [], complete: true, anchor: 'not-checked' });
  });

  it('separates punches from other events and counts the others by major/minor', async () => {
    const kinds = [
      { major: 5, minor: 75 },
      { major: 5, minor: 22 },
      { major: 3, minor: 1025 },
      { major: 5, minor: 1 },
      { major: 5, minor: 0x400 },
      { major: 5, minor: 38 },
    ];
    const device = fakeSearchDevice(serials(1, 6, (s) => searchItem({ serialNo: s, ...kinds[s - 1] })));
    const { pages, summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0 }));
    expect(pages[0]!.punches.map((p) => p.serialNo)).toEqual([1, 4, 6]);
    expect(summary.nonPunch).toEqual({ '5/22': 1, '3/1025': 1, '5/1024': 1 });
    const custom = await drain(pullAcsEvents(fakeSearchDevice(device.events).requester, { ...fast, afterSerialNo: 0, punchMinors: [0x400] }));
    expect(custom.summary.punches).toBe(1);
  });

  it('reports a serial gap so the caller can backfill it', async () => {
    const device = fakeSearchDevice([...serials(1, 10), ...serials(15, 20)], { cap: 4 });
    const { summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0 }));
    expect(summary.gaps).toEqual([{ from: 11, to: 14, revealedBy: 15, basis: 'serial-jump' }]);
    expect(summary.cursor).toBe(20);
  });

  it('resumes from a cursor: starts at the anchor, checks it, and hands over only newer events', async () => {
    const device = fakeSearchDevice(serials(1, 40));
    const { pages, summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 25 }));
    expect(device.calls[0]).toMatchObject({ beginSerialNo: 25 });
    expect(pages.flatMap((p) => p.events.map((e) => e.serialNo))).toEqual(serials(26, 40).map((e) => e['serialNo']));
    expect(summary).toMatchObject({ anchor: 'present', cursor: 40, gaps: [] });
  });

  it('says the anchor is missing when the device store was reset below the cursor (NO MATCH forever otherwise)', async () => {
    const device = fakeSearchDevice(serials(1, 5));
    const { summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 100 }));
    expect(summary).toMatchObject({ anchor: 'missing', events: 0, cursor: 100, complete: true });
  });

  it('restarts from the cursor when totalMatches changes mid-search, without skipping or repeating events', async () => {
    const events = serials(1, 20);
    // Before the third request the device overwrites its oldest event: positions shift by one.
    const device = fakeSearchDevice(events, { cap: 5, beforeSearch: (call) => (call === 3 ? void events.shift() : undefined) });
    const { pages, summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0, pageSize: 5 }));
    const handed = pages.flatMap((p) => p.events.map((e) => e.serialNo));
    expect(summary).toMatchObject({ restarts: 1, cursor: 20, gaps: [] });
    expect(handed).toEqual(serials(1, 20).map((e) => e['serialNo']));
    expect(new Set(device.calls.map((c) => c['searchID'])).size).toBe(2);
    expect(device.calls[3]).toMatchObject({ beginSerialNo: 11, searchResultPosition: 0 });
  });

  it('reports a gap when positions shift but totalMatches happens to stay equal (overwrite + new events)', async () => {
    const events = serials(1, 20);
    const device = fakeSearchDevice(events, {
      cap: 5,
      beforeSearch: (call) => {
        if (call !== 3) return;
        events.splice(0, 2);
        events.push(searchItem({ serialNo: 21 }), searchItem({ serialNo: 22 }));
      },
    });
    const { summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0, pageSize: 5 }));
    expect(summary.restarts).toBe(0);
    expect(summary.gaps).toEqual([{ from: 11, to: 12, revealedBy: 13, basis: 'serial-jump' }]);
  });

  it('throws a typed error on a device error; pages already handed over keep their cursor', async () => {
    let call = 0;
    const requester: IsapiTextRequester = {
      async requestText() {
        call++;
        if (call === 1) {
          return { status: 200, text: JSON.stringify({ AcsEvent: { responseStatusStrg: 'MORE', numOfMatches: 2, totalMatches: 4, InfoList: serials(1, 2) } }) };
        }
        return { status: 400, text: '{"statusCode":6,"statusString":"Invalid Content","subStatusCode":"badJsonContent"}' };
      },
    };
    const generator = pullAcsEvents(requester, { ...fast, afterSerialNo: 0 });
    const first = await generator.next();
    expect(!first.done && first.value.cursor).toBe(2);
    await expect(generator.next()).rejects.toBeInstanceOf(AcsEventSearchError);
  });

  it('stops after maxPages with complete: false and a cursor to resume from', async () => {
    const device = fakeSearchDevice(serials(1, 100), { cap: 10 });
    const { summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0, maxPages: 3 }));
    expect(summary).toMatchObject({ complete: false, pages: 3, cursor: 30 });
    const rest = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: summary.cursor }));
    expect(rest.summary).toMatchObject({ complete: true, cursor: 100, anchor: 'present', events: 70 });
  });

  it('never moves the cursor back when serials arrive out of order: the skipped range is reported as a gap', async () => {
    const device = fakeSearchDevice([...serials(1, 3), ...serials(7, 9), ...serials(4, 6)], { cap: 3 });
    const { pages, summary } = await drain(pullAcsEvents(device.requester, { ...fast, afterSerialNo: 0 }));
    expect(pages.map((p) => [p.cursor, p.gaps.length, p.repeats])).toEqual([
      [3, 0, 0],
      [9, 1, 0],
      [9, 0, 3],
    ]);
    expect(pages[1]!.gaps[0]).toMatchObject({ from: 4, to: 6 });
    expect(summary).toMatchObject({ cursor: 9, events: 9 });
  });
});
