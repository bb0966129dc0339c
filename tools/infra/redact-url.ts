// One implementation, in libs/config; imported by path because Jest's global setup resolves no aliases.
export { redactUrl } from '../../libs/config/src/redact';
