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
 * A batch of requests, each against one or more subjects (key, user, team), decided one after the
 * other in one atomic step: the gateway sends every admission that arrived while the previous batch
 * was in flight, so the counters are read and pruned once per subject and not once per request.
 * KEYS: 8 per subject, in order. ARGV: 1 window ms, 2 lease ms, 3 number of subjects S; then 6 per
 * subject: rpm, tpm, concurrency (0 = none), budget µcredits (-1 = none), seed µcredits (-1 = read the
 * store if the counter is missing), spent expiry (epoch ms, 0 = none); then per request: id, tokens,
 * reserve µcredits, '1' to only read the state, m, and its m subjects (1-based).
 * Each request is checked on all its subjects before any is changed: recorded on all or on none.
 * Returns {now, 'ok', reply per request} with reply = {ok (1, 0 refused, -1 invalid input), reason,
 * retry ms, refusing subject (position in the request's list, 1-based; 0 none), then per subject:
 * rpm used, tpm used, inflight, spent, reserved, oldest rpm, oldest tpm}; or, with nothing changed,
 * {now, 'seed', subjects…} listing the subjects whose spend counter is missing and had no seed.
 */
export const acquireScript = `${helpers}
local now = now_ms()
local window, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
local S = tonumber(ARGV[3])
local cutoff = now - window
local L, missing = {}, {}
for i = 1, S do
  local a, k = 3 + (i - 1) * 6, (i - 1) * 8
  local lv = {k = k, rpm = tonumber(ARGV[a + 1]), tpm = tonumber(ARGV[a + 2]), conc = tonumber(ARGV[a + 3]), budget = tonumber(ARGV[a + 4])}
  lv.spent = spent_of(KEYS[k + 8], lv.budget, ARGV[a + 5], ARGV[a + 6])
  if lv.spent == nil then missing[#missing + 1] = i end
  L[i] = lv
end
if #missing > 0 then
  local r = {now, 'seed'}
  for j = 1, #missing do r[#r + 1] = missing[j] end
  return r
end
for i = 1, S do
  local lv = L[i]
  local k = lv.k
  redis.call('ZREMRANGEBYSCORE', KEYS[k + 1], '-inf', cutoff)
  prune(KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], cutoff)
  prune(KEYS[k + 5], KEYS[k + 6], KEYS[k + 7], now)
  lv.used = redis.call('ZCARD', KEYS[k + 1])
  lv.stored = lv.used
  lv.tused = num(KEYS[k + 4])
  lv.inflight = redis.call('ZCARD', KEYS[k + 5])
  lv.reserved = num(KEYS[k + 7])
  lv.oldest_rpm, lv.oldest_tpm = oldest(KEYS[k + 1]), oldest(KEYS[k + 2])
  -- Written once per subject at the end: members (score, id) and weights (id, n) of this batch.
  lv.rpm_add, lv.tpm_add, lv.tpm_w, lv.lease_add, lv.lease_w = {}, {}, {}, {}, {}
  lv.tadd, lv.radd = 0, 0
end
-- The time at which the window frees enough tokens for need; members of this batch leave last.
local function tpm_retry(lv, need)
  local freed = 0
  local entries = redis.call('ZRANGE', KEYS[lv.k + 2], 0, -1, 'WITHSCORES')
  for j = 1, #entries, 2 do
    freed = freed + (tonumber(redis.call('HGET', KEYS[lv.k + 3], entries[j])) or 0)
    if freed >= need then return tonumber(entries[j + 1]) + window - now end
  end
  return window
end
local replies = {now, 'ok'}
local a = 3 + S * 6
while a < #ARGV do
  local id, rawTokens, rawReserve, read_only, m = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4] == '1', tonumber(ARGV[a + 5])
  local subs = {}
  for j = 1, m do subs[j] = L[tonumber(ARGV[a + 5 + j])] end
  a = a + 5 + m
  local tokens = checked(rawTokens, 0, 'tokens')
  local reserve = checked(rawReserve, 0, 'reservation')
  local reason, retry, refused, ok = '', 0, 0, 1
  if type(tokens) == 'table' or type(reserve) == 'table' then
    ok, reason = -1, 'invalid tokens ' .. tostring(rawTokens) .. ' or reservation ' .. tostring(rawReserve)
  elseif not read_only then
    for j = 1, m do
      local lv = subs[j]
      if lv.conc > 0 and lv.inflight >= lv.conc then
        reason, retry = 'concurrency', 1000
      elseif lv.rpm > 0 and lv.used >= lv.rpm then
        reason, retry = 'rpm', window
        -- The entry that has to leave the window first; one added by this batch leaves a window from now.
        local at = lv.used - lv.rpm
        if at < lv.stored then
          local e = redis.call('ZRANGE', KEYS[lv.k + 1], at, at, 'WITHSCORES')
          retry = tonumber(e[2]) + window - now
        end
      elseif lv.tpm > 0 and lv.tused > 0 and lv.tused + tokens > lv.tpm then
        reason, retry = 'tpm', tpm_retry(lv, lv.tused + tokens - lv.tpm)
      elseif lv.budget >= 0 and lv.spent + lv.reserved >= lv.budget then
        reason = 'budget'
      end
      if reason ~= '' then refused = j break end
    end
    if reason ~= '' then ok = 0 end
  end
  if ok == 1 and not read_only then
    for j = 1, m do
      local lv = subs[j]
      if lv.rpm > 0 then
        local t = lv.rpm_add
        t[#t + 1] = now
        t[#t + 1] = id
        lv.used = lv.used + 1
        if lv.oldest_rpm < 0 then lv.oldest_rpm = now end
      end
      if lv.tpm > 0 then
        local t, w = lv.tpm_add, lv.tpm_w
        t[#t + 1] = now
        t[#t + 1] = id
        w[#w + 1] = id
        w[#w + 1] = int(tokens)
        lv.tadd = lv.tadd + tokens
        lv.tused = lv.tused + tokens
        if lv.oldest_tpm < 0 then lv.oldest_tpm = now end
      end
      if lv.conc > 0 or lv.budget >= 0 then
        local r = 0
        if lv.budget >= 0 then r = reserve end
        local t, w = lv.lease_add, lv.lease_w
        t[#t + 1] = now + lease
        t[#t + 1] = id
        w[#w + 1] = id
        w[#w + 1] = int(r)
        lv.radd = lv.radd + r
        lv.inflight = lv.inflight + 1
        lv.reserved = lv.reserved + r
      end
    end
  end
  local r = {ok, reason, retry, refused}
  for j = 1, m do
    local lv = subs[j]
    local vals = {lv.used, lv.tused, lv.inflight, lv.spent, lv.reserved, lv.oldest_rpm, lv.oldest_tpm}
    for x = 1, 7 do r[#r + 1] = vals[x] end
  end
  replies[#replies + 1] = r
end
for i = 1, S do
  local lv = L[i]
  local k = lv.k
  if #lv.rpm_add > 0 then
    redis.call('ZADD', KEYS[k + 1], unpack(lv.rpm_add))
    redis.call('PEXPIRE', KEYS[k + 1], window)
  end
  if #lv.tpm_add > 0 then
    redis.call('ZADD', KEYS[k + 2], unpack(lv.tpm_add))
    redis.call('HSET', KEYS[k + 3], unpack(lv.tpm_w))
    redis.call('INCRBY', KEYS[k + 4], int(lv.tadd))
    for j = 2, 4 do redis.call('PEXPIRE', KEYS[k + j], window) end
  end
  if #lv.lease_add > 0 then
    redis.call('ZADD', KEYS[k + 5], unpack(lv.lease_add))
    redis.call('HSET', KEYS[k + 6], unpack(lv.lease_w))
    redis.call('INCRBY', KEYS[k + 7], int(lv.radd))
    for j = 5, 7 do redis.call('PEXPIRE', KEYS[k + j], lease) end
  end
end
return replies
`;

/**
 * Ends a batch of requests on the subjects each was recorded on. KEYS: 8 per subject. ARGV: 1 number
 * of subjects S; then 3 per subject: budget µcredits (-1 = none), seed (-1 = read the store if the
 * counter is missing), spent expiry; then per request: id, real tokens (-1 = keep the estimate), cost
 * µcredits (-1 = the reservation), '1' for the replay of an attempt that may have run already (the
 * cost is added only while the lease is still held: the first run removed it, so a replay never
 * charges twice), m, and its m subjects (1-based).
 * Returns {} when done, or (nothing changed) the subjects whose spend counter is missing without a seed.
 */
export const releaseScript = `${helpers}
local S = tonumber(ARGV[1])
local missing = {}
local L = {}
for i = 1, S do
  local a = 1 + (i - 1) * 3
  local budget = tonumber(ARGV[a + 1])
  if budget >= 0 and spent_of(KEYS[(i - 1) * 8 + 8], budget, ARGV[a + 2], ARGV[a + 3]) == nil then missing[#missing + 1] = i end
  L[i] = {k = (i - 1) * 8, budget = budget, tdiff = 0, rfree = 0, spend = 0, w = {}, gone = {}, done = {}}
end
if #missing > 0 then return missing end
local a = 1 + S * 3
while a < #ARGV do
  local id, m, replay = ARGV[a + 1], tonumber(ARGV[a + 5]), ARGV[a + 4] == '1'
  local tokens = checked(ARGV[a + 2], -1, 'tokens')
  local cost = checked(ARGV[a + 3], -1, 'cost')
  local valid = type(tokens) ~= 'table' and type(cost) ~= 'table'
  for j = 1, m do
    local lv = L[tonumber(ARGV[a + 5 + j])]
    local k = lv.k
    -- A request settled twice in one batch counts once, as it would in two.
    if valid and not lv.done[id] then
      lv.done[id] = true
      local w = redis.call('HGET', KEYS[k + 3], id)
      if w and tokens >= 0 then
        lv.tdiff = lv.tdiff + tokens - tonumber(w)
        lv.w[#lv.w + 1] = id
        lv.w[#lv.w + 1] = int(tokens)
      end
      local r = redis.call('HGET', KEYS[k + 6], id)
      if r then
        lv.gone[#lv.gone + 1] = id
        lv.rfree = lv.rfree + tonumber(r)
      end
      if lv.budget >= 0 and (r or not replay) then
        local c = cost
        if c < 0 then c = tonumber(r or '0') end
        lv.spend = lv.spend + c
      end
    end
  end
  a = a + 5 + m
end
for i = 1, S do
  local lv = L[i]
  local k = lv.k
  if #lv.w > 0 then redis.call('HSET', KEYS[k + 3], unpack(lv.w)) end
  if lv.tdiff ~= 0 then redis.call('INCRBY', KEYS[k + 4], int(lv.tdiff)) end
  if #lv.gone > 0 then
    redis.call('HDEL', KEYS[k + 6], unpack(lv.gone))
    redis.call('ZREM', KEYS[k + 5], unpack(lv.gone))
    redis.call('DECRBY', KEYS[k + 7], int(lv.rfree))
  end
  if lv.spend ~= 0 then redis.call('INCRBY', KEYS[k + 8], int(lv.spend)) end
end
return {}
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
