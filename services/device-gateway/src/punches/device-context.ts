/** Who a punch belongs to, resolved from gateway config for the device that sent it. */
export interface DeviceContext {
  tenantId: string;
  siteId: string;
  gatewayId: string;
  deviceSerial: string;
  timeZone: string;
}
