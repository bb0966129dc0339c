import type { UtcWindow } from './utc-window';

/** What one re-read of a window stored (command results and reconciliation report it). */
export interface WindowReadOutcome {
  /** Punches the device returned for the window. */
  found: number;
  /** Of those, punches the gateway did not have before ("recovered"). */
  new: number;
  quarantined: number;
  /** False when the device's answer was cut short; the counts are then lower bounds. */
  complete: boolean;
  incompleteReasons: string[];
}

/**
 * A pull-mode device as commands and reconciliation see it: re-read a window by its own protocol (stored as
 * `source=backfill`), and count what the device holds per window. One per configured ZK TCP / Hikvision device.
 */
export interface PulledDevice {
  readonly serial: string;
  readonly protocol: 'zk-tcp' | 'hikvision';
  start(): void;
  stop(): Promise<void>;
  readWindow(window: UtcWindow, signal?: AbortSignal): Promise<WindowReadOutcome>;
  countWindows(windows: readonly UtcWindow[], signal?: AbortSignal): Promise<number[]>;
}
