import { z } from 'zod';
import { rawCode, zkNumericCode } from './raw-code';

/**
 * Normalised verification method. `multi-factor` means several methods were all required (card AND password);
 * `auto` means the device accepted any of several methods and did not say which one was used (ZK code 0,
 * "FP/password", ISAPI `faceOrFpOrCardOrPw`); `other` is a method we have no value for (ZK 200, QR codes).
 */
export const VerifyModeSchema = z
  .enum(['fingerprint', 'face', 'card', 'password', 'palm', 'vein', 'user-id', 'multi-factor', 'auto', 'other', 'unknown'])
  .describe('Normalised verification method');
export type VerifyMode = z.infer<typeof VerifyModeSchema>;

/** A normalised verify mode with the device's own code kept beside it, ready to spread into a punch. */
export interface NormalisedVerifyMode {
  readonly verifyMode: VerifyMode;
  /** The device's code as sent (`"15"`, `"minor=75;currentVerifyMode=faceOrFpOrCardOrPw"`), `null` if none. */
  readonly verifyModeRaw: string | null;
}

/**
 * Which ZK verify table a device uses: `push` is the PUSH 2.x Appendix 7 table, also used by current firmware
 * over TCP 4370; `bw` is old black-and-white firmware on the binary protocol (0 password, 1 FP, 2 card).
 * The two disagree on 0 and 2, so the gateway must know the device's family; it cannot be guessed per record.
 */
export type ZkVerifyTable = 'push' | 'bw';

const range = (from: number, to: number, mode: VerifyMode): [number, VerifyMode][] =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, mode]);

// PUSH 2.4.1 Appendix 7. "X/Y" codes accept either method (auto); "X+Y" codes require both (multi-factor);
// 14 is "ID+FP or card+FP": both alternatives are two-factor.
const ZK_PUSH_VERIFY: ReadonlyMap<number, VerifyMode> = new Map<number, VerifyMode>([
  [0, 'auto'],
  [1, 'fingerprint'],
  [2, 'user-id'],
  [3, 'password'],
  [4, 'card'],
  ...range(5, 7, 'auto'),
  ...range(8, 14, 'multi-factor'),
  [15, 'face'],
  ...range(16, 20, 'multi-factor'),
  [21, 'vein'],
  ...range(22, 24, 'multi-factor'),
  [25, 'palm'],
  ...range(26, 29, 'multi-factor'),
  [200, 'other'],
]);

const ZK_BW_VERIFY: ReadonlyMap<number, VerifyMode> = new Map<number, VerifyMode>([
  [0, 'password'],
  [1, 'fingerprint'],
  [2, 'card'],
]);

/** Maps a ZK verify code (ATTLOG field 3, binary record verify byte) using the device's table. */
export function verifyModeFromZkCode(
  code: string | number | null | undefined,
  table: ZkVerifyTable = 'push',
): NormalisedVerifyMode {
  const numeric = zkNumericCode(code);
  const map = table === 'bw' ? ZK_BW_VERIFY : ZK_PUSH_VERIFY;
  return { verifyMode: (numeric === null ? undefined : map.get(numeric)) ?? 'unknown', verifyModeRaw: rawCode(code) };
}

// Minors of major 5 that name the method that passed (brief section 3.3). They are more precise than
// `currentVerifyMode`, which is the configured mode (often "any of").
const HIKVISION_PASS_MINOR: ReadonlyMap<number, VerifyMode> = new Map<number, VerifyMode>([
  [0x01, 'card'],
  [0x02, 'multi-factor'],
  [0x26, 'fingerprint'],
  [0x4b, 'face'],
  [0x9c, 'other'],
  [0xb5, 'password'],
]);

const HIKVISION_VERIFY_TOKEN: ReadonlyMap<string, VerifyMode> = new Map<string, VerifyMode>([
  ['card', 'card'],
  ['fp', 'fingerprint'],
  ['face', 'face'],
  ['pw', 'password'],
  ['employeeno', 'user-id'],
]);

/**
 * Maps an ISAPI `currentVerifyMode` string. The names are camel-case formulas: `Or` separates alternatives and
 * `And` joins required factors (`cardOrFace`, `fpOrface`, `faceAndCard`, `faceOrFpOrCardOrPw`). One factor
 * maps to its method, one alternative of several factors to `multi-factor`, several alternatives to `auto`.
 * `invalid`, `sleep` and any name with an unrecognised factor map to `unknown`.
 */
export function verifyModeFromHikvisionVerifyMode(mode: string): VerifyMode {
  const alternatives = mode.split(/Or(?=[a-zA-Z])/).map((alt) => alt.split(/And(?=[a-zA-Z])/));
  const known = alternatives.every((factors) => factors.every((f) => HIKVISION_VERIFY_TOKEN.has(f.toLowerCase())));
  const first = alternatives[0];
  if (!known || first === undefined) return 'unknown';
  if (alternatives.length > 1) return 'auto';
  const single = first.length === 1 ? first[0] : undefined;
  return single === undefined ? 'multi-factor' : (HIKVISION_VERIFY_TOKEN.get(single.toLowerCase()) ?? 'unknown');
}

/** Inputs of {@link verifyModeFromHikvision}: the event's `minor` (`subEventType` in push) and `currentVerifyMode`. */
export interface HikvisionVerifyInput {
  readonly minor?: number | null;
  readonly currentVerifyMode?: string | null;
}

/**
 * Maps a Hikvision access event: the pass minor when it names a method, else `currentVerifyMode`. The raw value
 * keeps both, as `minor=<n>;currentVerifyMode=<s>` (absent parts omitted), so nothing the device said is lost.
 */
export function verifyModeFromHikvision(input: HikvisionVerifyInput): NormalisedVerifyMode {
  const { minor, currentVerifyMode } = input;
  const fromMinor = typeof minor === 'number' ? HIKVISION_PASS_MINOR.get(minor) : undefined;
  const fromMode = currentVerifyMode ? verifyModeFromHikvisionVerifyMode(currentVerifyMode) : undefined;
  const parts = [
    typeof minor === 'number' ? `minor=${minor}` : null,
    currentVerifyMode ? `currentVerifyMode=${currentVerifyMode}` : null,
  ].filter((p): p is string => p !== null);
  return {
    verifyMode: fromMinor ?? fromMode ?? 'unknown',
    verifyModeRaw: parts.length > 0 ? parts.join(';') : null,
  };
}

/**
 * For protocols that already speak our vocabulary (WebSocket devices, agents): the value if it is a
 * {@link VerifyMode}, otherwise `unknown`; the raw value is kept either way.
 */
export function verifyModeFromName(value: string | null | undefined): NormalisedVerifyMode {
  const parsed = VerifyModeSchema.safeParse(value);
  return { verifyMode: parsed.success ? parsed.data : 'unknown', verifyModeRaw: rawCode(value) };
}
