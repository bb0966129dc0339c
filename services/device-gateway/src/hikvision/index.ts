// Hikvision ISAPI building blocks (device-protocols.md §3); wired into the runtime by src/pull.
export * from './digest-challenge';
export * from './digest-authorization';
export * from './digest-http-client';
export * from './isapi-access-event';
export * from './acs-event-search';
export * from './acs-event-puller';
export * from './serial-tracker';
export * from './content-type';
export * from './multipart-stream-parser';
export * from './isapi-event-body';
export * from './http-hosts-push';
export * from './reconnect-backoff';
export * from './alert-stream-subscriber';
export * from './hikvision-event-punch-builder';
export { parseSimpleXml, type XmlElement, type XmlValue } from './simple-xml';
export * from './acs-event-window-search';
export * from './device-clock-reading';
