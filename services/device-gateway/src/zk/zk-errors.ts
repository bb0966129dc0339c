/**
 * One error type for everything that can go wrong on a ZK session, with a code the poller can act on:
 * `auth-failed` will not fix itself by retrying quickly (wrong comm key: alert an operator), `timeout`,
 * `closed` and `idle-timeout` are the network or a rebooting device (reconnect with backoff), `protocol`
 * means the byte stream cannot be trusted any more (drop the connection), `rejected` is a command the device
 * refused, `wrong-device` is a device whose serial is not the configured one (an IP taken over by another
 * terminal: reading it would label its punches with the wrong serial), and `forbidden-command` is a
 * programming error caught before anything reached the device.
 */
export type ZkErrorCode =
  | 'connect-failed'
  | 'auth-failed'
  | 'timeout'
  | 'closed'
  | 'idle-timeout'
  | 'protocol'
  | 'rejected'
  | 'wrong-device'
  | 'forbidden-command';

export class ZkError extends Error {
  override readonly name = 'ZkError';

  constructor(
    readonly code: ZkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isZkError(error: unknown, ...codes: ZkErrorCode[]): error is ZkError {
  return error instanceof ZkError && (codes.length === 0 || codes.includes(error.code));
}
