import { z } from 'zod';

/**
 * How the gateway talked to the device: ZK PUSH/ADMS 2.x and 3.x ("Security PUSH"), ZK binary on TCP 4370,
 * Hikvision ISAPI (pull or push), our WebSocket device protocol, or an agent using the ingest HTTP batch API.
 */
export const PunchProtocolSchema = z
  .enum(['zk-push2', 'zk-push3', 'zk-tcp', 'hik-isapi', 'ws', 'agent'])
  .describe('Device protocol the punch was read with');
export type PunchProtocol = z.infer<typeof PunchProtocolSchema>;

/**
 * How the punch reached the gateway: uploaded by the device (`push`), read by a scheduled pull (`pull`), a live
 * event on an open session (`realtime`), re-read to recover missed data (`backfill`, counted as "recovered"
 * when it turns out to be new), or sent by an agent (`agent`).
 */
export const PunchSourceSchema = z
  .enum(['push', 'pull', 'realtime', 'backfill', 'agent'])
  .describe('Path by which the punch reached the pipeline');
export type PunchSource = z.infer<typeof PunchSourceSchema>;
