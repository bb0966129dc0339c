/**
 * Lua scripts of status. Redis runs a script atomically, which is what makes the two guarantees below hold
 * across any number of status replicas and consumers writing the same device at once.
 */

/**
 * APPLY: applies one update to one hash and returns nothing; gateways use it as is, devices through
 * APPLY_MANY below (the same operations, many devices per call, each record returned).
 * KEYS: device hash, contact watch zset. ARGV[1]: watch member, ARGV[2]: watch granularity (ms), then operations:
 *   S f v            set
 *   M f v            set if v > current (numeric; monotonic times)
 *   I f d            increment
 *   N tf t k f v...  a group of k fields applied only if t >= current tf (newest observation wins), tf := t
 *   G gw reach t     reachability from gateway `gw`: a reachable report always wins (and makes gw the owner);
 *                    an unreachable one only from the owning gateway, so a redundant gateway that cannot see
 *                    the device does not mark it offline while another one serves it
 * Always bumps `rev`. When the last contact advanced by more than the granularity (or the device is new),
 * re-scores it in the contact watch: a score that lags the true contact by less than the granularity only
 * makes the sweep read the device early, and the sweep then re-scores it (and heartbeats every 15 s no
 * longer cost a sorted-set write each).
 */
export const APPLY_DEVICE_UPDATE = `
local key = KEYS[1]
local n = #ARGV
-- NOTE: the script is the hot path (every device of every batch), so it reads all the current values it
-- touches in one HMGET and writes what changed in one HSET, rather than one call per operation.
local names = { 'lc', 'gw', 'ra', 'rev' }
local i = 3
while i <= n do
  local op = ARGV[i]
  if op == 'S' or op == 'M' or op == 'I' then names[#names + 1] = ARGV[i + 1]; i = i + 3
  elseif op == 'N' then
    local count = tonumber(ARGV[i + 3])
    names[#names + 1] = ARGV[i + 1]
    for j = 0, count - 1 do names[#names + 1] = ARGV[i + 4 + 2 * j] end
    i = i + 4 + 2 * count
  elseif op == 'G' then i = i + 4
  else return redis.error_reply('unknown op ' .. tostring(op)) end
end
local values = redis.call('HMGET', key, unpack(names))
local cur = {}
for j = 1, #names do cur[names[j]] = values[j] end
local function num(f, default) return tonumber(cur[f] or '') or default end
local oldLc = num('lc', 0)
local out = {}
-- Only values that differ are written: most of a steady heartbeat repeats what is stored.
local function put(f, v)
  if cur[f] ~= v then out[f] = v; cur[f] = v end
end
i = 3
while i <= n do
  local op = ARGV[i]
  if op == 'S' then
    put(ARGV[i + 1], ARGV[i + 2]); i = i + 3
  elseif op == 'M' then
    if tonumber(ARGV[i + 2]) > num(ARGV[i + 1], -1) then put(ARGV[i + 1], ARGV[i + 2]) end
    i = i + 3
  elseif op == 'I' then
    -- in order with the other operations: a streak reset followed by a failure ends at 1
    put(ARGV[i + 1], string.format('%d', num(ARGV[i + 1], 0) + tonumber(ARGV[i + 2]))); i = i + 3
  elseif op == 'N' then
    local count = tonumber(ARGV[i + 3])
    if tonumber(ARGV[i + 2]) >= num(ARGV[i + 1], -1) then
      put(ARGV[i + 1], ARGV[i + 2])
      for j = 0, count - 1 do put(ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j]) end
    end
    i = i + 4 + 2 * count
  else -- 'G'
    local t = tonumber(ARGV[i + 3])
    if t >= num('ra', -1) then
      local owner = cur['gw']
      if ARGV[i + 2] == '1' or (not owner) or owner == ARGV[i + 1] then
        put('gw', ARGV[i + 1]); put('r', ARGV[i + 2]); put('ra', ARGV[i + 3])
      end
    end
    i = i + 4
  end
end
local flat = {}
for f, v in pairs(out) do flat[#flat + 1] = f; flat[#flat + 1] = v end
flat[#flat + 1] = 'rev'
flat[#flat + 1] = string.format('%d', num('rev', 0) + 1)
redis.call('HSET', key, unpack(flat))
local lc = num('lc', 0)
if lc > oldLc + tonumber(ARGV[2]) or (oldLc == 0 and lc > 0) then redis.call('ZADD', KEYS[2], lc, ARGV[1]) end
return 1
`;

/**
 * APPLY_MANY: the device form of APPLY for a whole slice of devices in one call, returning each device's
 * record as it is right after its update. One call instead of two commands per device: the per-command cost
 * (in ioredis and in Redis' dispatch) was the larger part of an update's cost, and one HGETALL inside the
 * script serves both the operations and the returned record, which goes back as values only (no names).
 * Atomic per call, hence per device: each record and its `rev` agree.
 * KEYS: 1 contact watch zset, then one device hash per device.
 * ARGV: 1 watch granularity (ms), 2 the record's field names joined by ',', then per device (in KEYS order):
 *       watch member, number of operation arguments that follow, the operations (as in APPLY).
 * Returns one array per device: the values of the record's fields in ARGV[2]'s order ('' where absent).
 */
export const APPLY_MANY_DEVICE_UPDATES = `
local granularity = tonumber(ARGV[1])
local recordFields = {}
for f in string.gmatch(ARGV[2], '[^,]+') do recordFields[#recordFields + 1] = f end
local nRecord = #recordFields
local results = {}
-- The device being applied: its current values and what changed (closures made once, not per device).
local cur, out
local function num(f, default) return tonumber(cur[f] or '') or default end
local function put(f, v)
  if cur[f] ~= v then out[f] = v; cur[f] = v end
end
local a = 3
for d = 2, #KEYS do
  local key = KEYS[d]
  local member = ARGV[a]
  local last = a + 1 + tonumber(ARGV[a + 1])
  local first = a + 2
  -- HGETALL rather than HMGET of the fields: one pass over the (listpack) hash instead of a lookup per field,
  -- and it also holds whatever field an operation touches.
  local all = redis.call('HGETALL', key)
  cur = {}
  for j = 1, #all, 2 do cur[all[j]] = all[j + 1] end
  local oldLc = num('lc', 0)
  out = {}
  local i = first
  while i <= last do
    local op = ARGV[i]
    if op == 'S' then
      put(ARGV[i + 1], ARGV[i + 2]); i = i + 3
    elseif op == 'M' then
      if tonumber(ARGV[i + 2]) > num(ARGV[i + 1], -1) then put(ARGV[i + 1], ARGV[i + 2]) end
      i = i + 3
    elseif op == 'I' then
      put(ARGV[i + 1], string.format('%d', num(ARGV[i + 1], 0) + tonumber(ARGV[i + 2]))); i = i + 3
    elseif op == 'N' then
      local count = tonumber(ARGV[i + 3])
      if tonumber(ARGV[i + 2]) >= num(ARGV[i + 1], -1) then
        put(ARGV[i + 1], ARGV[i + 2])
        for j = 0, count - 1 do put(ARGV[i + 4 + 2 * j], ARGV[i + 5 + 2 * j]) end
      end
      i = i + 4 + 2 * count
    elseif op == 'G' then
      local t = tonumber(ARGV[i + 3])
      if t >= num('ra', -1) then
        local owner = cur['gw']
        if ARGV[i + 2] == '1' or (not owner) or owner == ARGV[i + 1] then
          put('gw', ARGV[i + 1]); put('r', ARGV[i + 2]); put('ra', ARGV[i + 3])
        end
      end
      i = i + 4
    else
      -- before this device's HSET: a malformed update writes nothing of its device
      return redis.error_reply('unknown op ' .. tostring(op))
    end
  end
  local rev = string.format('%d', num('rev', 0) + 1)
  cur['rev'] = rev
  local flat = { 'rev', rev }
  for f, v in pairs(out) do flat[#flat + 1] = f; flat[#flat + 1] = v end
  redis.call('HSET', key, unpack(flat))
  local lc = num('lc', 0)
  if lc > oldLc + granularity or (oldLc == 0 and lc > 0) then redis.call('ZADD', KEYS[1], lc, member) end
  local record = {}
  for j = 1, nRecord do record[j] = cur[recordFields[j]] or '' end
  results[d - 1] = record
  a = last + 1
end
return results
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
 *       7 new site, 8 old site, 9 compact transition line, 10 transitions kept, 11 event JSON ('' = same state:
 *       only the reasons or the site changed, no event), 12 outbox max length, 13 tenant, 14 watch member
 */
export const CLAIM_TRANSITION = `
local cur = redis.call('HMGET', KEYS[1], 'rev', 'h')
if (cur[1] or '') ~= ARGV[1] or (cur[2] or '') ~= ARGV[2] then return 0 end
local serial = ARGV[6]
if ARGV[11] == '' then
  redis.call('HSET', KEYS[1], 'hr', ARGV[4])
  if ARGV[2] ~= '' and ARGV[7] ~= ARGV[8] then
    -- same state, but the device moved to another site: move its site indexes and counts
    redis.call('ZREM', KEYS[11], serial)
    redis.call('ZREM', KEYS[13], serial)
    redis.call('ZADD', KEYS[8], 0, serial)
    redis.call('ZADD', KEYS[10], 0, serial)
    redis.call('HINCRBY', KEYS[3], ARGV[8] .. '|' .. ARGV[2], -1)
    redis.call('HINCRBY', KEYS[3], ARGV[7] .. '|' .. ARGV[3], 1)
    redis.call('HSET', KEYS[1], 'is', ARGV[7])
  end
  return 1
end
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
