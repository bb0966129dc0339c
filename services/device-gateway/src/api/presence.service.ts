import { resolveLocalTime } from '@attendance/contracts';
import type { GatewayConfig } from '../config/gateway.config';
import type { EdgeStore } from '../store/edge-store';
import { PresenceRepository, type LastPunchOfPerson } from './presence.repository';

/** Directions after which a person is in the building. */
const INSIDE = new Set(['in', 'break-in', 'overtime-in']);
/** Devices whose clock runs ahead deliver "today" before midnight; look that far back for received rows. */
const RECEIVED_MARGIN_MS = 6 * 3_600_000;

export interface Presence {
  /** The site's calendar day, YYYY-MM-DD in its zone. */
  date: string;
  timeZone: string;
  since: string;
  /** People whose last punch today says they came in. */
  insideCount: number;
  people: (LastPunchOfPerson & { inside: boolean })[];
}

/** "Who is in the building now": the last punch of each person today (site zone), inside when it is an in-punch. */
export class PresenceService {
  private readonly punches: PresenceRepository;

  constructor(
    store: EdgeStore,
    private readonly config: GatewayConfig,
  ) {
    this.punches = new PresenceRepository(store.db);
  }

  today(now = new Date()): Presence {
    const timeZone = this.config.siteTimeZone;
    const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    const since = resolveLocalTime(`${date}T00:00:00`, timeZone).punchedAt;
    const receivedSince = new Date(Date.parse(since) - RECEIVED_MARGIN_MS).toISOString();
    const people = this.punches.lastPunchPerPerson(since, receivedSince).map((p) => ({ ...p, inside: INSIDE.has(p.direction) }));
    return { date, timeZone, since, insideCount: people.filter((p) => p.inside).length, people };
  }
}
