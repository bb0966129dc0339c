// ZK binary protocol on TCP 4370 (device-protocols.md section 2): codec, client session, device poller and the
// mapping to attendance.punch.raw.v1. The gateway wires ZkDevicePoller in; everything else is its toolkit.
export * from './zk-constants';
export * from './zk-errors';
export * from './zk-logger';
export * from './zk-checksum';
export * from './zk-packet';
export * from './zk-tcp-frame';
export * from './zk-commkey';
export * from './zk-time';
export * from './zk-free-sizes';
export * from './zk-attendance-record';
export * from './zk-attendance-dataset';
export * from './zk-user-record';
export * from './zk-user-directory';
export * from './zk-realtime-event';
export * from './zk-buffered-read';
export * from './zk-connection';
export * from './zk-tcp-session';
export * from './zk-clock-skew';
export * from './zk-device-poller';
export * from './zk-record-punch-builder';
export * from './zk-name-charset';
export * from './zk-user-write';
export * from './zk-user-plan';
export * from './zk-user-push';
