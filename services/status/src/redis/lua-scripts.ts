/**
 * Lua scripts of status. Redis runs a script atomically, which is what makes the two guarantees below hold
 * across any number of status replicas and consumers writing the same device at once.
 */

/**
 * APPLY: applies one device update and returns the whole hash (one round trip for write + read).
 * KEYS: device hash, contact watch zset. ARGV[1]: watch member, then operations:
 *   S f v            set
 *   M f v            set if v > current (numeric; monotonic times)
 *   I f d            increment
 *   N tf t k f v...  a group of k fields applied only if t >= current tf (newest observation wins), tf := t
 *   G gw reach t     reachability from gateway `gw`: a reachable report always wins (and makes gw the owner);
 *                    an unreachable one only from the owning gateway, so a redundant gateway that cannot see
 *                    the device does not mark it offline while another one serves it
 * Always bumps `rev`; when the last contact advanced, (re)enters the device in the contact watch.
 */
export const APPLY_DEVICE_UPDATE = `
local key = KEYS[1]
local oldLc = tonumber(redis.call('HGET', key, 'lc') or '0')
local i = 2
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'S' then
    redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'M' then
    local cur = tonumber(redis.call('HGET', key, ARGV[i + 1]) or '-1')
    if tonumber(ARGV[i + 2]) > cur then redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2]) end
    i = i + 3
  elseif op == 'I' then
    redis.call('HINCRBY', key, ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'N' then
    local count = tonumber(ARGV[i + 3])
    local cur = tonumber(redis.call('HGET', key, ARGV[i + 1]) or '-1')
    if tonumber(ARGV[i + 2]) >= cur then
      redis.call('HSET', key, ARGV[i + 1], ARGV[i + 2])
      for j = 0, count - 1 do redis.call('HSET', key, ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j]) end
    end
    i = i + 4 + 2 * count
  elseif op == 'G' then
    local owner = redis.call('HGET', key, 'gw')
    local cur = tonumber(redis.call('HGET', key, 'ra') or '-1')
    local t = tonumber(ARGV[i + 3])
    if t >= cur then
      if ARGV[i + 2] == '1' then
        redis.call('HSET', key, 'gw', ARGV[i + 1], 'r', '1', 'ra', ARGV[i + 3])
      elseif (not owner) or owner == ARGV[i + 1] then
        redis.call('HSET', key, 'gw', ARGV[i + 1], 'r', '0', 'ra', ARGV[i + 3])
      end
    end
    i = i + 4
  else
    return redis.error_reply('unknown op ' .. tostring(op))
  end
end
redis.call('HINCRBY', key, 'rev', 1)
local lc = tonumber(redis.call('HGET', key, 'lc') or '0')
if lc > oldLc then redis.call('ZADD', KEYS[2], lc, ARGV[1]) end
return redis.call('HGETALL', key)
`;

/**
 * CLAIM: moves a device to a new health state if, and only if, the hash is still at the revision and state
 * the verdict was computed from. Exactly one of several replicas evaluating the same record wins; the others
 * get 0, re-read and re-evaluate. The winner updates the indexes and counts, keeps the transition in the
 * device's recent list, keeps the contact watch in step (offline devices leave it, others are in it), and appends the event to the outbox stream in the same atomic step, so a claimed
 * transition can never be lost between "claimed" and "published".
 * KEYS: 1 device, 2 transitions list, 3 counts, 4 tenants set, 5 watch, 6 outbox,
 *       7 ix all, 8 ix new site, 9 ix new state, 10 ix new site+state, 11 ix old site, 12 ix old state,
 *       13 ix old site+state
 * ARGV: 1 rev, 2 expected state ('' = none yet), 3 new state, 4 reason codes, 5 changedAt ms, 6 serial,
 *       7 new site, 8 old site, 9 compact transition line, 10 transitions kept, 11 event JSON ('' = reasons
 *       changed only, no event), 12 outbox max length, 13 tenant, 14 watch member
 */
export const CLAIM_TRANSITION = `
local cur = redis.call('HMGET', KEYS[1], 'rev', 'h')
if (cur[1] or '') ~= ARGV[1] or (cur[2] or '') ~= ARGV[2] then return 0 end
if ARGV[11] == '' then
  redis.call('HSET', KEYS[1], 'hr', ARGV[4])
  return 1
end
local serial = ARGV[6]
if ARGV[2] ~= '' then
  redis.call('ZREM', KEYS[11], serial)
  redis.call('ZREM', KEYS[12], serial)
  redis.call('ZREM', KEYS[13], serial)
  redis.call('HINCRBY', KEYS[3], ARGV[8] .. '|' .. ARGV[2], -1)
else
  redis.call('SADD', KEYS[4], ARGV[13])
end
redis.call('ZADD', KEYS[7], 0, serial)
redis.call('ZADD', KEYS[8], 0, serial)
redis.call('ZADD', KEYS[9], 0, serial)
redis.call('ZADD', KEYS[10], 0, serial)
redis.call('HINCRBY', KEYS[3], ARGV[7] .. '|' .. ARGV[3], 1)
redis.call('HSET', KEYS[1], 'h', ARGV[3], 'hs', ARGV[5], 'hr', ARGV[4], 'is', ARGV[7])
redis.call('LPUSH', KEYS[2], ARGV[9])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[10]) - 1)
if ARGV[3] == 'offline' then
  redis.call('ZREM', KEYS[5], ARGV[14])
else
  local lc = redis.call('HGET', KEYS[1], 'lc')
  if lc then redis.call('ZADD', KEYS[5], lc, ARGV[14]) end
end
redis.call('XADD', KEYS[6], 'MAXLEN', '~', ARGV[12], '*', 'e', ARGV[11])
return 1
`;
