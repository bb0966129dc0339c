import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import type { EdgeStore } from '../store/edge-store';
import type { GatewayMetrics } from '../health/gateway-metrics';
import { buildHandshakeReply } from './adms-handshake';
import { admsEndpoint, isPlausibleSerial, lowerCaseQuery } from './adms-request';
import type { AdmsUploadService } from './adms-upload.service';
import { DiskBudgetExceededError } from '../store/disk-budget';
import type { DevicePushRoute } from '../pull/device-push-route';
import type { AdmsCommandQueue } from './adms-command-queue';

/** Devices upload photos and large backlogs; the 3.x spec example is 1 MB, we allow well above it. */
const BODY_LIMIT_BYTES = 20 * 1024 * 1024;

/**
 * The device-facing HTTP listener (`:8081`) for ZKTeco/eSSL PUSH (ADMS). Devices are HTTP clients that
 * poll us; we answer in plain text. It is a bare Fastify instance rather than a Nest app because devices
 * need raw bodies of any content type, any base path and case-insensitive query keys.
 */
export class AdmsHttpServer {
  private readonly app: FastifyInstance;

  constructor(
    private readonly deps: {
      config: GatewayConfig;
      store: EdgeStore;
      uploads: AdmsUploadService;
      commands: AdmsCommandQueue;
      metrics: GatewayMetrics;
      logger: Logger;
      /** Push receivers of pull-mode devices (Hikvision httpHosts) on the same port; asked first. */
      pushRoute?: DevicePushRoute;
    },
  ) {
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
        return req.method === 'GET' ? this.handshake(serial, query) : this.upload(req, reply, serial, query, queryString);
      case 'getrequest':
        this.touch(serial, query.get('pushver') ?? null);
        return this.deps.commands.takeForPoll(serial);
      case 'ping':
        this.touch(serial, query.get('pushver') ?? null);
        return 'OK';
      case 'devicecmd':
        return this.commandResults(req, reply, serial, queryString);
      default:
        reply.status(404);
        return 'ERROR: unsupported endpoint';
    }
  }

  private handshake(serial: string, query: Map<string, string>): string {
    const now = new Date();
    this.touch(serial, query.get('pushver') ?? null);
    const timeZone = this.deps.config.devices.get(serial)?.timeZone ?? this.deps.config.siteTimeZone;
    return buildHandshakeReply({ serial, timeZone, stamps: this.deps.store.devices.stamps(serial), now });
  }

  private upload(req: FastifyRequest, reply: FastifyReply, serial: string, query: Map<string, string>, queryString: string): string {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const started = process.hrtime.bigint();
    try {
      const outcome = this.deps.uploads.handle({
        serial,
        table: query.get('table') ?? 'UNKNOWN',
        stamp: query.get('stamp') ?? null,
        pushVersion: query.get('pushver') ?? null,
        query: queryString,
        body,
        receivedAt: new Date(),
      });
      this.deps.metrics.recordUpload(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      // The durable write has committed: now, and only now, the device may forget these records.
      return `OK: ${outcome.acknowledged}`;
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
        this.touch(serial, null);
        const rawRequestId = this.deps.store.rawRequests.insert({
          deviceSerial: serial,
          protocol: 'zk-push2',
          tableName: 'devicecmd',
          query: queryString,
          body,
          receivedAt: now,
          outcome: 'parsed',
        });
        const { unmatched } = this.deps.commands.completeFromDevice(serial, body);
        for (const line of unmatched) {
          this.deps.store.quarantine.insert({ rawRequestId, deviceSerial: serial, lineNumber: line.lineNumber, rawLine: line.raw, reason: line.reason, detail: line.detail, createdAt: now });
        }
      });
      return 'OK';
    } catch (error) {
      this.deps.logger.error({ err: error, serial }, 'could not store command results; device will retry');
      reply.status(503);
      return 'ERROR: storage unavailable, retry later';
    }
  }

  private touch(serial: string, pushVersion: string | null): void {
    this.deps.store.devices.recordContact({
      serial,
      configured: this.deps.config.devices.has(serial),
      protocol: 'zk-push2',
      pushVersion,
      now: new Date().toISOString(),
    });
  }
}
