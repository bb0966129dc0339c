/**
 * Where ADMS reports what it learns about a device's health: clock skew and log capacity. The gateway's
 * device health tracker (src/pull, `device_state`) implements it, so the heartbeat and the clock-skew /
 * capacity device events treat ADMS devices like pulled ones (transitions only, one threshold for all).
 */
export interface AdmsDeviceHealth {
  register(serial: string, protocol: string): void;
  /** Device clock minus gateway clock, ms (positive = device ahead). */
  clock(serial: string, skewMs: number, deviceLocalTime: string | null, at?: Date): void;
  capacity(serial: string, recordsUsed: number, recordsMax: number | null, at?: Date): void;
}
