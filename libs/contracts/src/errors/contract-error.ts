/**
 * Base class of the errors thrown by the pure helpers in this library. `code` is stable, so callers can put it
 * in a quarantine reason, a metric label or a log field without parsing messages.
 */
export abstract class ContractError extends Error {
  abstract readonly code: string;

  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A device local time that is not `YYYY-MM-DD[T ]HH:mm:ss[.fff]` or not a real calendar date/time. */
export class InvalidLocalTimeError extends ContractError {
  readonly code = 'CONTRACTS.INVALID_LOCAL_TIME';

  constructor(readonly input: string, reason: string) {
    super(`Invalid local time ${JSON.stringify(input)}: ${reason}`);
  }
}

/** A time zone that is not an IANA name known to this runtime's ICU data. */
export class InvalidTimeZoneError extends ContractError {
  readonly code = 'CONTRACTS.INVALID_TIME_ZONE';

  constructor(readonly input: string) {
    super(`Invalid IANA time zone ${JSON.stringify(input)}`);
  }
}

/** A punch identity field that is empty or not well-formed Unicode, so no stable id can be derived from it. */
export class InvalidPunchIdentityError extends ContractError {
  readonly code = 'CONTRACTS.INVALID_PUNCH_IDENTITY';

  constructor(readonly field: string, reason: string) {
    super(`Invalid punch identity field "${field}": ${reason}`);
  }
}

/** A UTC offset that the ADMS `TimeZone=` option cannot express (neither whole hours nor more than 60 minutes). */
export class UnrepresentableAdmsTimeZoneError extends ContractError {
  readonly code = 'CONTRACTS.ADMS_TIME_ZONE_UNREPRESENTABLE';

  constructor(readonly timeZone: string, readonly offsetSeconds: number) {
    super(`UTC offset ${offsetSeconds}s of ${timeZone} cannot be sent as an ADMS TimeZone option`);
  }
}
