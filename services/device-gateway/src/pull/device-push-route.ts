/**
 * A push receiver for a pull-mode protocol on the device HTTP port (Hikvision httpHosts). The device listener
 * asks it first; `null` means "not mine" and the request goes on to the ADMS routes.
 */
export interface DevicePushRoute {
  handle(request: { method: string; path: string; contentType: string | null; body: Buffer }): { status: number; body: string } | null;
}
