// Lua scripts run atomically by Redis: each checks and updates the counters of a request's subjects
// (key, user, team) in one step, on Redis's own clock so every gateway instance sees the same windows.
// KEYS per subject (one hash tag each; several subjects in one script need a single Redis, not Cluster): 1 rpm zset, 2 tpm zset, 3 tpm weights, 4 tpm sum,
// 5 leases zset (score = expiry), 6 lease reservations, 7 reserved sum, 8 spent this period.

const helpers = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n) return string.format('%d', n) end
local function num(key) return tonumber(redis.call('GET', key) or '0') end
-- Removes members scored at or below max from a weighted set, keeping its sum exact.
local function prune(zkey, hkey, sumkey, max)
  while true do
    local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', max, 'LIMIT', 0, 500)
    if #old == 0 then return end
    local ws = redis.call('HMGET', hkey, unpack(old))
    local s = 0
    for i = 1, #ws do s = s + (tonumber(ws[i]) or 0) end
    redis.call('HDEL', hkey, unpack(old))
    redis.call('ZREM', zkey, unpack(old))
    if s ~= 0 then redis.call('DECRBY', sumkey, int(s)) end
  end
end
-- The period's spend; a missing counter starts from the seed, or (seed < 0: not known yet) returns
-- nil so that the caller reads the store's spend and comes back with it.
local function spent_of(key, budget, seed, expire_at)
  if budget < 0 then return -1 end
  local v = redis.call('GET', key)
  if v then return tonumber(v) end
  if tonumber(seed) < 0 then return nil end
  redis.call('SET', key, seed)
  if tonumber(expire_at) > 0 then redis.call('PEXPIREAT', key, expire_at) end
  return tonumber(seed)
end
-- Counts that INCRBY takes exactly: whole numbers in [lo, 2^50].
local function checked(v, lo, what)
  local n = tonumber(v)
  if n == nil or n ~= n or n < lo or n > 1125899906842624 or n ~= math.floor(n) then
    return redis.error_reply('relais: invalid ' .. what .. ' ' .. tostring(v))
  end
  return n
end
local function oldest(zkey)
  local e = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
  if #e == 0 then return -1 end
  return tonumber(e[2])
end
`;

/**
 * One request against several subjects (key, user, team) at once: KEYS are 8 per subject, in order.
 * ARGV: 1 request id, 2 window ms, 3 lease ms, 4 tokens, 5 reserve µcredits, 6 '1' to only read the
 * state; then 6 per subject: rpm, tpm, concurrency (0 = none), budget µcredits (-1 = none), seed
 * µcredits (-1 = read the store if the counter is missing), spent expiry (epoch ms, 0 = none).
 * Every subject is checked before any is changed: the request is recorded on all of them or on none.
 * Returns {ok, reason, retry ms, refusing subject (1-based, 0 none), now, then per subject: rpm used,
 * tpm used, inflight, spent, reserved, oldest rpm, oldest tpm}; reason 'seed' (nothing changed) with
 * the subject whose spend counter is missing when no seed was given for it.
 */
export const acquireScript = `${helpers}
local now = now_ms()
local id = ARGV[1]
local window, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = checked(ARGV[4], 0, 'tokens')
if type(tokens) == 'table' then return tokens end
local reserve = checked(ARGV[5], 0, 'reservation')
if type(reserve) == 'table' then return reserve end
local read_only = ARGV[6] == '1'
local n = #KEYS / 8
local cutoff = now - window
local L = {}
for i = 1, n do
  local a, k = 6 + (i - 1) * 6, (i - 1) * 8
  local lv = {k = k, rpm = tonumber(ARGV[a + 1]), tpm = tonumber(ARGV[a + 2]), conc = tonumber(ARGV[a + 3]), budget = tonumber(ARGV[a + 4])}
  lv.spent = spent_of(KEYS[k + 8], lv.budget, ARGV[a + 5], ARGV[a + 6])
  if lv.spent == nil then return {0, 'seed', 0, i, now} end
  L[i] = lv
end
local reason, retry, refused = '', 0, 0
for i = 1, n do
  local lv = L[i]
  local k = lv.k
  redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', cutoff)
  prune(KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], cutoff)
  prune(KEYS[k + 5], KEYS[k + 6], KEYS[k + 7], now)
  lv.used = redis.call('ZCARD', KEYS[k + 1])
  lv.tused = num(KEYS[k + 4])
  lv.inflight = redis.call('ZCARD', KEYS[k + 5])
  lv.reserved = num(KEYS[k + 7])
  if not read_only and reason == '' then
    if lv.conc > 0 and lv.inflight >= lv.conc then
      reason, retry = 'concurrency', 1000
    elseif lv.rpm > 0 and lv.used >= lv.rpm then
      local e = redis.call('ZRANGE', KEYS[k + 1], lv.used - lv.rpm, lv.used - lv.rpm, 'WITHSCORES')
      reason, retry = 'rpm', tonumber(e[2]) + window - now
    elseif lv.tpm > 0 and lv.tused > 0 and lv.tused + tokens > lv.tpm then
      reason, retry = 'tpm', window
      local need, freed = lv.tused + tokens - lv.tpm, 0
      local entries = redis.call('ZRANGE', KEYS[k + 2], 0, -1, 'WITHSCORES')
      for j = 1, #entries, 2 do
        freed = freed + (tonumber(redis.call('HGET', KEYS[k + 3], entries[j])) or 0)
        if freed >= need then retry = tonumber(entries[j + 1]) + window - now break end
      end
    elseif lv.budget >= 0 and lv.spent + lv.reserved >= lv.budget then
      reason = 'budget'
    end
    if reason ~= '' then refused = i end
  end
end
local function reply(ok)
  local r = {ok, reason, retry, refused, now}
  for i = 1, n do
    local lv = L[i]
    local vals = {lv.used, lv.tused, lv.inflight, lv.spent, lv.reserved, oldest(KEYS[lv.k + 1]), oldest(KEYS[lv.k + 2])}
    for j = 1, 7 do r[#r + 1] = vals[j] end
  end
  return r
end
if reason ~= '' or read_only then return reply(0) end
for i = 1, n do
  local lv = L[i]
  local k = lv.k
  if lv.rpm > 0 then
    redis.call('ZADD', KEYS[k + 1], now, id)
    redis.call('PEXPIRE', KEYS[k + 1], window)
    lv.used = lv.used + 1
  end
  if lv.tpm > 0 then
    redis.call('ZADD', KEYS[k + 2], now, id)
    redis.call('HSET', KEYS[k + 3], id, int(tokens))
    redis.call('INCRBY', KEYS[k + 4], int(tokens))
    for j = 2, 4 do redis.call('PEXPIRE', KEYS[k + j], window) end
    lv.tused = lv.tused + tokens
  end
  if lv.conc > 0 or lv.budget >= 0 then
    local r = 0
    if lv.budget >= 0 then r = reserve end
    redis.call('ZADD', KEYS[k + 5], now + lease, id)
    redis.call('HSET', KEYS[k + 6], id, int(r))
    redis.call('INCRBY', KEYS[k + 7], int(r))
    for j = 5, 7 do redis.call('PEXPIRE', KEYS[k + j], lease) end
    lv.inflight = lv.inflight + 1
    lv.reserved = lv.reserved + r
  end
end
return reply(1)
`;

/**
 * Ends a request on the subjects it was recorded on: KEYS are 8 per subject. ARGV: 1 request id,
 * 2 real tokens (-1 = keep the estimate), 3 cost µcredits (-1 = the reservation), 4 '1' for the replay
 * of an attempt that may have run already: the cost is added only while the lease is still held (the
 * first run removed it), so a replay never charges twice; then 3 per subject: budget µcredits (-1 =
 * none), seed (-1 = read the store if the counter is missing), spent expiry.
 * Returns 0, or (nothing changed) the 1-based subject whose spend counter is missing without a seed.
 */
export const releaseScript = `${helpers}
local id = ARGV[1]
local n = #KEYS / 8
for i = 1, n do
  local a = 4 + (i - 1) * 3
  local budget = tonumber(ARGV[a + 1])
  if budget >= 0 and spent_of(KEYS[(i - 1) * 8 + 8], budget, ARGV[a + 2], ARGV[a + 3]) == nil then return i end
end
local tokens = checked(ARGV[2], -1, 'tokens')
if type(tokens) == 'table' then return tokens end
local cost = checked(ARGV[3], -1, 'cost')
if type(cost) == 'table' then return cost end
for i = 1, n do
  local k = (i - 1) * 8
  local budget = tonumber(ARGV[4 + (i - 1) * 3 + 1])
  local w = redis.call('HGET', KEYS[k + 3], id)
  if w and tokens >= 0 then
    local diff = tokens - tonumber(w)
    redis.call('HSET', KEYS[k + 3], id, int(tokens))
    if diff ~= 0 then redis.call('INCRBY', KEYS[k + 4], int(diff)) end
  end
  local r = redis.call('HGET', KEYS[k + 6], id)
  if r then
    redis.call('HDEL', KEYS[k + 6], id)
    redis.call('ZREM', KEYS[k + 5], id)
    redis.call('DECRBY', KEYS[k + 7], r)
  end
  if budget >= 0 and (r or ARGV[4] ~= '1') then
    local c = cost
    if c < 0 then c = tonumber(r or '0') end
    redis.call('INCRBY', KEYS[k + 8], int(c))
  end
end
return 0
`;

/**
 * Extends the leases of requests still running on this instance. KEYS: 1 leases zset, 2 lease
 * reservations, 3 reserved sum. ARGV: 1 lease ms, 2… request ids. A lease already gone stays gone.
 */
export const renewScript = `${helpers}
local until_ms = now_ms() + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', until_ms, ARGV[i]) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return 1
`;
