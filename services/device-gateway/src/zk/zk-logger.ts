/**
 * The logging surface the ZK code needs: the pino call shape (`logger.warn({ fields }, 'message')`), so the
 * gateway can pass its pino logger (or a child per device) straight in. Defaults to silence.
 */
export interface ZkLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export const SILENT_ZK_LOGGER: ZkLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
