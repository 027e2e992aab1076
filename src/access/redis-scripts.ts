// Lua scripts run atomically by Redis: each checks and updates one subject's counters in one step,
// on Redis's own clock so every gateway instance sees the same windows.
// KEYS (one subject, one hash tag): 1 rpm zset, 2 tpm zset, 3 tpm weights, 4 tpm sum,
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
 * ARGV: 1 request id, 2 window ms, 3 lease ms, 4 rpm, 5 tpm, 6 concurrency (0 = none),
 * 7 budget µcredits (-1 = none), 8 tokens, 9 reserve µcredits, 10 seed µcredits (-1 = read the store
 * if the counter is missing), 11 spent expiry (epoch ms, 0 = none), 12 '1' to only read the state.
 * Returns {ok, reason, retry ms, rpm used, tpm used, inflight, spent, reserved, oldest rpm, oldest tpm, now};
 * reason 'seed' (nothing changed) when the spend counter is missing and no seed was given.
 */
export const acquireScript = `${helpers}
local now = now_ms()
local id = ARGV[1]
local window, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
local rpm, tpm, conc = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local budget = tonumber(ARGV[7])
local tokens = checked(ARGV[8], 0, 'tokens')
if type(tokens) == 'table' then return tokens end
local reserve = checked(ARGV[9], 0, 'reservation')
if type(reserve) == 'table' then return reserve end
local spent = spent_of(KEYS[8], budget, ARGV[10], ARGV[11])
if spent == nil then return {0, 'seed', 0, 0, 0, 0, 0, 0, -1, -1, now} end
local cutoff = now - window
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
prune(KEYS[2], KEYS[3], KEYS[4], cutoff)
prune(KEYS[5], KEYS[6], KEYS[7], now)
local used = redis.call('ZCARD', KEYS[1])
local tused = num(KEYS[4])
local inflight = redis.call('ZCARD', KEYS[5])
local reserved = num(KEYS[7])
local reason, retry = '', 0
if ARGV[12] ~= '1' then
  if conc > 0 and inflight >= conc then
    reason, retry = 'concurrency', 1000
  elseif rpm > 0 and used >= rpm then
    local e = redis.call('ZRANGE', KEYS[1], used - rpm, used - rpm, 'WITHSCORES')
    reason, retry = 'rpm', tonumber(e[2]) + window - now
  elseif tpm > 0 and tused > 0 and tused + tokens > tpm then
    reason, retry = 'tpm', window
    local need, freed = tused + tokens - tpm, 0
    local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      freed = freed + (tonumber(redis.call('HGET', KEYS[3], entries[i])) or 0)
      if freed >= need then retry = tonumber(entries[i + 1]) + window - now break end
    end
  elseif budget >= 0 and spent + reserved >= budget then
    reason = 'budget'
  end
end
if reason ~= '' or ARGV[12] == '1' then
  return {0, reason, retry, used, tused, inflight, spent, reserved, oldest(KEYS[1]), oldest(KEYS[2]), now}
end
if rpm > 0 then
  redis.call('ZADD', KEYS[1], now, id)
  redis.call('PEXPIRE', KEYS[1], window)
  used = used + 1
end
if tpm > 0 then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('HSET', KEYS[3], id, int(tokens))
  redis.call('INCRBY', KEYS[4], int(tokens))
  for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], window) end
  tused = tused + tokens
end
if conc > 0 or budget >= 0 then
  redis.call('ZADD', KEYS[5], now + lease, id)
  redis.call('HSET', KEYS[6], id, int(reserve))
  redis.call('INCRBY', KEYS[7], int(reserve))
  for i = 5, 7 do redis.call('PEXPIRE', KEYS[i], lease) end
  inflight = inflight + 1
  reserved = reserved + reserve
end
return {1, '', 0, used, tused, inflight, spent, reserved, oldest(KEYS[1]), oldest(KEYS[2]), now}
`;

/**
 * ARGV: 1 request id, 2 real tokens (-1 = keep the estimate), 3 cost µcredits (-1 = the reservation),
 * 4 budget µcredits (-1 = none), 5 seed (-1 = read the store if the counter is missing), 6 spent expiry,
 * 7 '1' for the replay of an attempt that may have run already: the cost is added only while the lease
 * is still held (the first run removed it), so a replay never charges twice.
 * Returns 1, or 0 (nothing changed) when the spend counter is missing and no seed was given.
 */
export const releaseScript = `${helpers}
local id = ARGV[1]
local budget = tonumber(ARGV[4])
if budget >= 0 and spent_of(KEYS[8], budget, ARGV[5], ARGV[6]) == nil then return 0 end
local tokens = checked(ARGV[2], -1, 'tokens')
if type(tokens) == 'table' then return tokens end
local cost = checked(ARGV[3], -1, 'cost')
if type(cost) == 'table' then return cost end
local w = redis.call('HGET', KEYS[3], id)
if w and tokens >= 0 then
  local diff = tokens - tonumber(w)
  redis.call('HSET', KEYS[3], id, int(tokens))
  if diff ~= 0 then redis.call('INCRBY', KEYS[4], int(diff)) end
end
local r = redis.call('HGET', KEYS[6], id)
if r then
  redis.call('HDEL', KEYS[6], id)
  redis.call('ZREM', KEYS[5], id)
  redis.call('DECRBY', KEYS[7], r)
end
if budget >= 0 and (r or ARGV[7] ~= '1') then
  if cost < 0 then cost = tonumber(r or '0') end
  redis.call('INCRBY', KEYS[8], int(cost))
end
return 1
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
