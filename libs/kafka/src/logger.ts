/** The logging surface libs/kafka needs; a pino logger satisfies it. */
export interface KafkaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentKafkaLogger: KafkaLogger = { debug() {}, info() {}, warn() {}, error() {} };
