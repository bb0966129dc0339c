import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import type { EdgeStore } from '../store/edge-store';
import type { GatewayMetrics } from '../health/gateway-metrics';
import { buildHandshakeReply } from './adms-handshake';
import { admsEndpoint, admsProtocol, isPlausibleSerial, lowerCaseQuery } from './adms-request';
import type { AdmsUploadService } from './adms-upload.service';
import { DiskBudgetExceededError } from '../store/disk-budget';
import type { DevicePushRoute } from '../pull/device-push-route';
import type { AdmsCommandQueue } from './adms-command-queue';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import { AdmsDeviceReporter } from './adms-device-reporter';
import { buildPushConfigReply, registryCode } from './push3-handshake';
import { parseOptionsBody } from './device-info-parser';

/** Devices upload photos and large backlogs; the 3.x spec example is 1 MB, we allow well above it. */
const BODY_LIMIT_BYTES = 20 * 1024 * 1024;

/**
 * The device-facing HTTP listener (`:8081`) for ZKTeco/eSSL PUSH (ADMS). Devices are HTTP clients that
 * poll us; we answer in plain text. It is a bare Fastify instance rather than a Nest app because devices
 * need raw bodies of any content type, any base path and case-insensitive query keys.
 */
export class AdmsHttpServer {
  private readonly app: FastifyInstance;
  private readonly reporter: AdmsDeviceReporter;

  constructor(
    private readonly deps: {
      config: GatewayConfig;
      store: EdgeStore;
      uploads: AdmsUploadService;
      commands: AdmsCommandQueue;
      /** Device events (unknown device, quarantined lines); durable, in the request's transaction. */
      events?: DeviceEventRecorder;
      metrics: GatewayMetrics;
      logger: Logger;
      /** Push receivers of pull-mode devices (Hikvision httpHosts) on the same port; asked first. */
      pushRoute?: DevicePushRoute;
    },
  ) {
    // NOTE: without a recorder (tests that do not look at events) the events are not kept
    this.reporter = new AdmsDeviceReporter(deps.store, deps.events ?? { record: () => undefined });
    this.app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false, keepAliveTimeout: 5000 });
    this.app.removeAllContentTypeParsers();
    this.app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    this.app.route({ method: ['GET', 'POST'], url: '/*', handler: (req, reply) => this.route(req, reply) });
  }

  async listen(): Promise<string> {
    return this.app.listen({ port: this.deps.config.deviceHttpPort, host: this.deps.config.host });
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private async route(req: FastifyRequest, reply: FastifyReply): Promise<string> {
    reply.type('text/plain');
    const pushed = this.deps.pushRoute?.handle({
      method: req.method,
      path: req.url,
      contentType: req.headers['content-type'] ?? null,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    if (pushed) {
      reply.status(pushed.status);
      return pushed.body;
    }
    const { path, query, queryString } = lowerCaseQuery(req.url);
    const serial = query.get('sn');
    if (!isPlausibleSerial(serial)) {
      reply.status(400);
      return 'ERROR: missing or invalid SN';
    }
    const endpoint = admsEndpoint(path);
    this.deps.metrics.deviceRequests.inc({ endpoint, method: req.method });
    switch (endpoint) {
      case 'cdata':
        return req.method === 'GET' ? this.handshake(req, serial, query) : this.upload(req, reply, serial, query, queryString);
      case 'fdata':
        // Some firmware posts ATTPHOTO to /iclock/fdata: same handling as cdata uploads.
        return this.upload(req, reply, serial, query, queryString);
      case 'getrequest':
        return this.poll(req, serial, query);
      case 'ping':
        this.touch(req, serial, query.get('pushver') ?? null);
        return 'OK';
      case 'devicecmd':
        return this.commandResults(req, reply, serial, queryString);
      case 'registry':
      case 'push':
      case 'querydata':
        return this.push3(req, reply, endpoint, serial, query, queryString);
      default:
        reply.status(404);
        return 'ERROR: unsupported endpoint';
    }
  }

  private handshake(req: FastifyRequest, serial: string, query: Map<string, string>): string {
    const now = new Date();
    const pushVersion = query.get('pushver') ?? null;
    this.touch(req, serial, pushVersion);
    const timeZone = this.deps.config.devices.get(serial)?.timeZone ?? this.deps.config.siteTimeZone;
    return buildHandshakeReply({ serial, timeZone, stamps: this.deps.store.devices.stamps(serial), now, pushGeneration: admsProtocol(pushVersion) === 'zk-push3' ? 3 : 2 });
  }

  /** `GET /iclock/getrequest`: heartbeat, optional `INFO=` device info, then the device's due commands. */
  private poll(req: FastifyRequest, serial: string, query: Map<string, string>): string {
    const status = this.touch(req, serial, query.get('pushver') ?? null);
    const info = query.get('info');
    if (info !== undefined && status === 'approved') {
      try {
        this.deps.store.transaction(() => this.deps.uploads.deviceInfo.fromInfoParameter(serial, info, new Date()));
      } catch (error) {
        // Telemetry only: the poll (and the commands it carries) must not fail because of it.
        this.deps.logger.warn({ err: error, serial }, 'could not store device INFO');
      }
    }
    this.measureClock(req, serial, status);
    return this.deps.commands.takeForPoll(serial);
  }

  /**
   * PUSH 3.x ("Security PUSH", device-protocols.md §1.9): `registry` (body: capabilities `k=v,...`; reply
   * `RegistryCode=`), `push` (reply: the session's configuration), `querydata` (answers to 3.x DATA QUERY,
   * kept raw). Attendance itself arrives on `cdata?table=rtlog` like any upload.
   */
  private push3(req: FastifyRequest, reply: FastifyReply, endpoint: 'registry' | 'push' | 'querydata', serial: string, query: Map<string, string>, queryString: string): string {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const pushVersion = query.get('pushver') ?? '3';
    const now = new Date();
    try {
      this.deps.store.transaction(() => {
        const status = this.reporter.contact({ serial, configured: this.deps.config.devices.has(serial), protocol: 'zk-push3', pushVersion, now: now.toISOString(), remoteAddress: req.ip });
        if (body.length > 0) {
          this.deps.store.rawRequests.insert({ deviceSerial: serial, protocol: 'zk-push3', tableName: endpoint, query: queryString, body, receivedAt: now.toISOString(), outcome: status === 'approved' ? 'parsed' : 'pending-device' });
        }
        if (status === 'approved' && endpoint !== 'push' && body.length > 0) {
          this.deps.uploads.deviceInfo.fromOptions(serial, parseOptionsBody(body.toString('utf8')), now);
        }
      });
    } catch (error) {
      this.deps.logger.error({ err: error, serial }, 'could not store PUSH 3.x request; device will retry');
      reply.status(503);
      return 'ERROR: storage unavailable, retry later';
    }
    if (endpoint === 'registry') return `RegistryCode=${registryCode(serial)}`;
    if (endpoint === 'push') return buildPushConfigReply({ serial });
    return 'OK';
  }

  private async upload(req: FastifyRequest, reply: FastifyReply, serial: string, query: Map<string, string>, queryString: string): Promise<string> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const started = process.hrtime.bigint();
    try {
      // Resolves after the commit group holding this upload has committed (one fsync for the whole group).
      const outcome = await this.deps.uploads.handle({
        serial,
        table: query.get('table') ?? 'UNKNOWN',
        stamp: query.get('stamp') ?? null,
        pushVersion: query.get('pushver') ?? null,
        query: queryString,
        body,
        receivedAt: new Date(),
        deviceClock: deviceClock(req),
        remoteAddress: req.ip,
      });
      this.deps.metrics.recordUpload(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      // The durable write has committed: now, and only now, the device may forget these records.
      return outcome.reply;
    } catch (error) {
      // NOTE: no OK means the device keeps the batch and retries after ErrorDelay (device-protocols.md §1.5)
      if (error instanceof DiskBudgetExceededError) {
        this.deps.metrics.diskBudgetRefusals.inc();
        this.deps.logger.warn({ serial, usedBytes: error.usedBytes, budgetBytes: error.budgetBytes }, 'storage budget spent; upload refused, device keeps it');
        reply.status(503);
        return 'ERROR: storage full, retry later';
      }
      this.deps.metrics.uploadFailures.inc();
      this.deps.logger.error({ err: error, serial }, 'could not store device upload; device will retry');
      reply.status(503);
      return 'ERROR: storage unavailable, retry later';
    }
  }

  /** `POST /iclock/devicecmd`: the raw body and the completed commands are committed before `OK`. */
  private commandResults(req: FastifyRequest, reply: FastifyReply, serial: string, queryString: string): string {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    try {
      const now = new Date().toISOString();
      this.deps.store.transaction(() => {
        this.touch(req, serial, null);
        const rawRequestId = this.deps.store.rawRequests.insert({
          deviceSerial: serial,
          protocol: 'zk-push2',
          tableName: 'devicecmd',
          query: queryString,
          body,
          receivedAt: now,
          outcome: 'parsed',
        });
        const { unmatched, results } = this.deps.commands.completeFromDevice(serial, body);
        // An INFO command's answer is the device's configuration (record counts, capacity): keep it.
        for (const result of results) {
          if (result.body.CMD?.trim().toUpperCase() !== 'INFO') continue;
          const { ID: _id, Return: _ret, CMD: _cmd, ...options } = result.body;
          this.deps.uploads.deviceInfo.fromOptions(serial, options, new Date(now));
        }
        for (const line of unmatched) {
          this.reporter.quarantine({ rawRequestId, serial, protocol: 'zk-push2', lineNumber: line.lineNumber, rawLine: line.raw, reason: line.reason, detail: line.detail, now });
        }
      });
      return 'OK';
    } catch (error) {
      this.deps.logger.error({ err: error, serial }, 'could not store command results; device will retry');
      reply.status(503);
      return 'ERROR: storage unavailable, retry later';
    }
  }

  /** Records the contact (and an unknown serial's one `unknown-device` event); returns the device's status. */
  private touch(req: FastifyRequest, serial: string, pushVersion: string | null): 'approved' | 'pending' {
    const stored = pushVersion ?? this.deps.store.devices.get(serial)?.pushVersion ?? null;
    return this.deps.store.transaction(() =>
      this.reporter.contact({
        serial,
        configured: this.deps.config.devices.has(serial),
        protocol: admsProtocol(stored),
        pushVersion,
        now: new Date().toISOString(),
        remoteAddress: req.ip,
      }),
    );
  }

  /** Skew from the device's `Date:` request header, where its firmware sends one. */
  private measureClock(req: FastifyRequest, serial: string, status: 'approved' | 'pending'): void {
    const clock = deviceClock(req);
    if (!clock || status !== 'approved') return;
    const now = new Date();
    try {
      this.deps.store.transaction(() => this.deps.uploads.deviceInfo.clock(serial, clock.getTime() - now.getTime(), null, now));
    } catch (error) {
      this.deps.logger.warn({ err: error, serial }, 'could not store device clock skew');
    }
  }
}

/** The device clock from a `Date:` request header (GMT, second precision), when present and valid. */
function deviceClock(req: FastifyRequest): Date | null {
  const header = req.headers.date;
  if (typeof header !== 'string') return null;
  const ms = Date.parse(header);
  return Number.isFinite(ms) ? new Date(ms) : null;
}
