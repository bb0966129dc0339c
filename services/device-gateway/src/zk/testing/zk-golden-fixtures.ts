/**
 * Captured ZK packets used as golden fixtures by the codec, session and simulator tests. Test data only: no
 * production code imports this file.
 *
 * `brief` = quoted in shared/research/device-protocols.md §2; `pyzk` = other short packets of the same
 * fananimi/pyzk test.py conversations (connect/auth/exit/sizes/buffer), taken as protocol facts to pin the
 * byte-exact behaviour the brief describes. Two pyzk packets are known-inconsistent test mocks, kept to pin
 * how we handle them:
 *  - SIZES_REPLY's TCP length says 100 payload bytes but only 94 follow (the face tail's last 6 zero bytes
 *    were cut), so a correct framer must report it incomplete;
 *  - LIVE_EVENT_32's header (checksum 0x43ae) was copied from the 12-byte event; it does not match its data.
 */
export const hex = (text: string): Buffer => Buffer.from(text.replace(/[\s|]/g, ''), 'hex');

export const ZK_FIXTURES = {
  /** brief §2.2: CMD_CONNECT, session 0, reply 0, checksum 0xFC17. */
  CONNECT: hex('5050827d08000000 e803 17fc 0000 0000'),
  /** brief §2.2: CMD_EXIT, session 0xFB2F, reply 1 (after a CONNECT answered by CONNECT_OK_FB2F). */
  EXIT_FB2F: hex('5050827d08000000 e903 e600 2ffb 0100'),
  /** pyzk test_tcp_connect: the ACK_OK that assigned session 0xFB2F. */
  CONNECT_OK_FB2F: hex('5050827d08000000 d007 fffc 2ffb 0000'),
  /** brief §2.3: ACK_OK, session 0x45CF, reply 1 (pyzk test_tcp_auth: the answer to CMD_AUTH). */
  ACK_OK_45CF_R1: hex('5050827d08000000 d007 5fb2 cf45 0100'),
  /** pyzk test_tcp_auth / test_tcp_unauth: CMD_ACK_UNAUTH to CMD_CONNECT (reply 0) and to CMD_AUTH (reply 1). */
  UNAUTH_45CF_R0: hex('5050827d08000000 d507 5bb2 cf45 0000'),
  UNAUTH_45CF_R1: hex('5050827d08000000 d507 5ab2 cf45 0100'),
  /** pyzk test_tcp_unauth: CMD_AUTH for comm key 12 in session 0x45CF. */
  AUTH_KEY_12: hex('5050827d0c000000 4e04 4e2c cf45 0100 614d323c'),
  /** pyzk test_tcp_auth: CMD_AUTH for comm key 45 in session 0x45CF. */
  AUTH_KEY_45: hex('5050827d0c000000 4e04 4db0 cf45 0100 61c9323c'),
  /** pyzk test_tcp_auth: CMD_EXIT after CONNECT + AUTH (reply 2). */
  EXIT_45CF_R2: hex('5050827d08000000 e903 45b6 cf45 0200'),
  /** pyzk test_tcp_get_size: CMD_GET_FREE_SIZES with reply 2 (pyzk adopted reply id 1 from ACK_OK_45CF_R1). */
  GET_FREE_SIZES_R2: hex('5050827d08000000 3200 fcb9 cf45 0200'),
  /** pyzk test_tcp_get_size: the sizes reply decoded in brief §2.5 (users 7, records 605, capacity 100000). */
  SIZES_REPLY: hex(
    '5050827d64000000 d007 a315 9663 1300' +
      '00000000 00000000 00000000 00000000 07000000 00000000 06000000 00000000 5d020000 00000000' +
      '0f0c0000 00000000 01000000 00000000 b80b0000 10270000 a0860100 b20b0000 09270000 43840100' +
      '00000000 0000',
  ),
  /** The 6 bytes SIZES_REPLY lacks (its face tail is all zeros, so the checksum is unaffected). */
  SIZES_REPLY_MISSING_TAIL: Buffer.alloc(6),
  /** pyzk test_tcp_get_users_small_data: CMD_DATA_WRRQ for the user table: (1, command 9, fct 5, ext 0). */
  PREPARE_BUFFER_USERS: hex('5050827d13000000 df05 3ca6 cf45 1400 01 0900 05000000 00000000'),
  /** pyzk test_tcp_get_users_broken_tcp: ACK_OK to DATA_WRRQ announcing a 5044-byte buffer. */
  BUFFER_READY_5044: hex('5050827d15000000 d007 a762 5c3c 1500 00 b4130000 b4130000 cdef2300'),
  /** ... then CMD_PREPARE_DATA for the chunk: 5044 bytes, in 1008-byte packets. */
  PREPARE_DATA_5044: hex('5050827d10000000 dc05 0da6 5c3c 1600 b4130000 f0030000'),
  /** ... the last of six CMD_DATA frames of that chunk: 4 bytes, frame number 5 in the session field. */
  DATA_LAST_FRAME: hex('5050827d0c000000 dd05 07fa 0500 1600 00000000'),
  /** ... and CMD_FREE_DATA (reply 0x17). */
  FREE_DATA: hex('5050827d08000000 de05 aebd 5c3c 1700'),
  /** brief §2.8 (pyzk test_tcp_live_connect): EF_ATTLOG event payload, 12-byte layout: user 4822257, 2018-12-07 19:09:06. */
  LIVE_EVENT_12: hex('f401 ae43 0100 0000 | f1944900 00 00 120c07130906'),
  /** pyzk test_tcp_live_connect_small: 32-byte layout, user "1140064", verify 15, 2018-11-29 12:55:03; header copied (bad checksum). */
  LIVE_EVENT_32: hex('f401 ae43 0100 0000 | 3131343030363400000000000000000000000000000000000f00120b1d0c3703'),
  /** brief §2.2 (zk-protocol test vector 1): CMD_OPTIONS_RRQ "~ZKFaceVersion"-style payload with checksum 0x175A. */
  CHECKSUM_VECTOR_1: hex('0b00 5a17 f38d 0300 5a4b4661636556657273696f6e00'),
  /** The same payload as the brief quotes it, with the checksum field removed (not zeroed). */
  CHECKSUM_VECTOR_1_STRIPPED: hex('0b00f38d03005a4b4661636556657273696f6e00'),
  /** zk-protocol test vector 2: odd-length payload, checksum 0x6A29. */
  CHECKSUM_VECTOR_2: hex('d007 296a f38d 0a00 09'),
  /** brief §2.6 worked example (zk-protocol): 40-byte record, userSn 13, "999111333", verify 1, 2018-06-25 17:50:35, state 0. */
  RECORD_40_WORKED_EXAMPLE: hex(
    '0d00 393939313131333333 000000000000000000000000000000 01 6bb36823 00 00000000ff000000',
  ),
  /** brief §2.5 step 3: the DATA_WRRQ payload for the attendance log: <b h i i> = (1, 13, 0, 0). */
  PREPARE_BUFFER_ATTLOG_DATA: hex('01 0d00 00000000 00000000'),
  /** brief §2.8: CMD_REG_EVENT mask for EF_ATTLOG. */
  REG_EVENT_ATTLOG_DATA: hex('01000000'),
} as const;
