import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The edge backlog of each device as its gateway last reported it. While punches of a device are still
 * waiting at the edge, its counts cannot match the device's and a backfill would only re-read what is already
 * queued, so reconciliation waits until the backlog has drained.
 */
export class ContactBacklog1764806400000 implements MigrationInterface {
  name = 'ContactBacklog1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sync.gateway_device_contacts ADD COLUMN backlog_count integer NOT NULL DEFAULT 0');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sync.gateway_device_contacts DROP COLUMN backlog_count');
  }
}
