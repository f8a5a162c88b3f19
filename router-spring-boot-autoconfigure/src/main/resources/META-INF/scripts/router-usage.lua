-- Sliding-window usage of the deployments of one model group, for the router's Redis usage
-- store (io.github.airouter.usage.redis.UsageScript is the only Java that builds its KEYS and
-- ARGV and reads its answers). One script, one round trip per routing decision.
--
-- Requires Redis 5.0 or later: a command may read TIME and then write, which needs script
-- effects replication, the default since 5.0 (and the only mode since 7.0); HSET with several
-- fields needs 4.0. The tests run it on Redis 6.2.
--
-- A deployment's usage is one hash: fields r<slot> and t<slot> hold the requests and tokens of
-- one second (slot = second mod 61), rq and tk their running totals over the window, cur the
-- newest second, p<slot> the part of t<slot> reserved by calls not yet settled (present only
-- while some are). A second's usage counts until second + 61 begins: for 60 to 61 seconds, so no
-- 60-second window ever exceeds a limit. Pending tokens leave with their second, so a settlement
-- that never arrives (lost during an outage, or its instance stopped) is forgotten with it.
-- (A field pt, the running total of pending tokens in earlier versions, is deleted when met.)
-- A hash holds 3 fields, 2 per second used and 1 per second whose calls are still pending: 125
-- with every second used and nothing pending, up to 186 (Redis 7 keeps a hash of at most 128
-- fields as a listpack, about 1 KB here, by default: hash-max-listpack-entries).
--
-- A deployment's cooldown is a key whose value is a number: its integer part is the time (ms)
-- the cooldown ends, its one decimal why it started (1 rate limited, 2 failures, 3
-- misconfigured), e.g. 1030000.1. Earlier versions wrote the end alone, which reads as reason 0
-- (unknown), and read this value as the end, to the millisecond. Every key of one call carries
-- the group's hash tag (one Redis Cluster slot) and a TTL. Nothing secret is stored: deployment
-- ids and numbers.
--
-- Every command:
--   ARGV[1] the command, ARGV[2] now in ms, or '' to read Redis TIME (one clock for every
--   instance), ARGV[3] the TTL of the keys written, in ms.
--
-- admit     KEYS[1..n] usage hash of each candidate, KEYS[n+1..2n] cooldown key of each
--           ARGV[4] tokens to reserve, ARGV[5] strategy: usage | shuffle | score,
--           ARGV[6] the decision's random point in [0,1), ARGV[7] values per candidate (the
--           stride, at least 5), ARGV[8..] per candidate: rpm, tpm (-1: unlimited), shuffle
--           weight, order, score.
--           Among the candidates not cooling down and within their limits, only the lowest
--           order counts; 'shuffle' walks the weights with the point, 'usage' ('score') takes
--           the fewest tokens in the window (the lowest score), ties broken by the point over
--           the tied candidates in order: the same steps as io.github.airouter.usage.Selection.
--           -> {1, candidate (1-based), slot second}
--           or {0, ms until the first could take the call or -1 for never, candidates cooling,
--               those of them cooling because they are misconfigured (reason 3)}
-- settle    KEYS[1] usage hash; ARGV[4] slot second, ARGV[5] token delta, ARGV[6] tokens the
--           settled reservations had reserved (no longer pending)
--           -> 1 if applied, 0 if the slot had left the window (with its pending tokens)
-- usage     KEYS[1] usage hash -> {requests, tokens, pending tokens}
-- calibrate KEYS[1] usage hash; ARGV[4] rpm, ARGV[5] tpm, ARGV[6] remaining requests,
--           ARGV[7] remaining tokens (-1: not configured / not reported). Raises the window so
--           that limit - usage <= remaining, counting tokens against settled usage (reservations
--           in flight are estimates their calls will replace); never lowers it
--           -> 1 if the window was raised, else 0
-- cool      KEYS[1] cooldown key; ARGV[4] duration in ms, ARGV[5] reason (1 to 9). Keeps a
--           cooldown that ends as late or later, with its reason; a duration <= 0 changes
--           nothing -> ms the cooldown has left
-- cooling   KEYS[1] cooldown key -> {ms the cooldown has left, its reason}, {0, 0} when none
-- beat      KEYS[1] instances sorted set; ARGV[4] instance id, ARGV[5] ms after which a silent
--           instance is gone -> the number of live instances

local SLOTS = 61

local function now_ms()
  if ARGV[2] ~= '' then
    return tonumber(ARGV[2])
  end
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

local now = now_ms()
local sec = math.floor(now / 1000)
local ttl = tonumber(ARGV[3])

-- When the cooldown held in a cooldown key's value ends (ms), 0 for none.
local function cooldown_end(value)
  return math.floor(tonumber(value) or 0)
end

-- Why the cooldown held in a cooldown key's value started: its one decimal, 0 when absent.
local function cooldown_reason(value)
  if type(value) ~= 'string' then
    return 0
  end
  return tonumber(string.match(value, '%.(%d)$')) or 0
end

-- Moves a usage hash to second sec, dropping the seconds that leave the window with their
-- pending tokens. Returns the newest second, the requests and the tokens in the window.
local function advance(key)
  local head = redis.call('HMGET', key, 'cur', 'rq', 'tk')
  local cur = tonumber(head[1])
  if cur == nil then
    return sec, 0, 0
  end
  local rq, tk = tonumber(head[2]) or 0, tonumber(head[3]) or 0
  if sec <= cur then
    return cur, rq, tk
  end
  if sec - cur >= SLOTS then
    redis.call('DEL', key)
    return sec, 0, 0
  end
  local fields = {}
  for s = cur + 1, sec do
    local slot = s % SLOTS
    fields[#fields + 1] = 'r' .. slot
    fields[#fields + 1] = 't' .. slot
  end
  local old = redis.call('HMGET', key, unpack(fields))
  for i = 1, #old, 2 do
    rq = rq - (tonumber(old[i]) or 0)
    tk = tk - (tonumber(old[i + 1]) or 0)
  end
  for s = cur + 1, sec do
    fields[#fields + 1] = 'p' .. (s % SLOTS)
  end
  fields[#fields + 1] = 'pt'
  redis.call('HDEL', key, unpack(fields))
  redis.call('HSET', key, 'cur', sec, 'rq', rq, 'tk', tk)
  return sec, rq, tk
end

-- The tokens reserved and not yet settled in the window whose newest second is cur.
local function pending(key, cur)
  local fields = {}
  for s = cur - SLOTS + 1, cur do
    fields[#fields + 1] = 'p' .. (s % SLOTS)
  end
  local sum = 0
  for _, value in ipairs(redis.call('HMGET', key, unpack(fields))) do
    sum = sum + (tonumber(value) or 0)
  end
  return sum
end

-- Milliseconds until a call fits on a deployment, or -1 if it never can.
local function wait_ms(key, cur, rq, tk, rpm, tpm, tokens)
  if (rpm >= 0 and rpm < 1) or (tpm >= 0 and tokens > tpm) then
    return -1
  end
  local excess_r = (rpm >= 0) and (rq + 1 - rpm) or -1
  local excess_t = (tpm >= 0) and (tk + tokens - tpm) or -1
  if excess_r <= 0 and excess_t <= 0 then
    return 0
  end
  local fields = {}
  for s = cur - SLOTS + 1, cur do
    local slot = s % SLOTS
    fields[#fields + 1] = 'r' .. slot
    fields[#fields + 1] = 't' .. slot
  end
  local values = redis.call('HMGET', key, unpack(fields))
  local freed_r, freed_t = 0, 0
  local s = cur - SLOTS + 1
  for i = 1, #values, 2 do
    freed_r = freed_r + (tonumber(values[i]) or 0)
    freed_t = freed_t + (tonumber(values[i + 1]) or 0)
    if freed_r >= excess_r and freed_t >= excess_t then
      return math.max(0, (s + SLOTS) * 1000 - now)
    end
    s = s + 1
  end
  return -1
end

-- The candidate chosen among those that fit, or nil: io.github.airouter.usage.Selection.
local function choose(n, fits, orders, weights, keys, strategy, point)
  local tier = nil
  for i = 1, n do
    if fits[i] and (tier == nil or orders[i] < tier) then
      tier = orders[i]
    end
  end
  if tier == nil then
    return nil
  end
  if strategy == 'shuffle' then
    local sum = 0
    for i = 1, n do
      if fits[i] and orders[i] == tier then
        sum = sum + weights[i]
      end
    end
    local left = point * sum
    local chosen = nil
    for i = 1, n do
      if fits[i] and orders[i] == tier then
        chosen = i
        left = left - weights[i]
        if left < 0 then
          return i
        end
      end
    end
    return chosen
  end
  local best = nil
  local tied = {}
  for i = 1, n do
    if fits[i] and orders[i] == tier then
      if best == nil or keys[i] < best then
        best = keys[i]
        tied = { i }
      elseif keys[i] == best then
        tied[#tied + 1] = i
      end
    end
  end
  return tied[math.min(#tied, math.floor(point * #tied) + 1)]
end

local command = ARGV[1]

if command == 'admit' then
  local tokens = tonumber(ARGV[4])
  local strategy = ARGV[5]
  local point = tonumber(ARGV[6])
  local stride = tonumber(ARGV[7])
  local n = #KEYS / 2
  if stride == nil or stride < 5 or #ARGV ~= 7 + n * stride then
    return redis.error_reply('admit expects 7 + candidates * stride arguments, got ' .. #ARGV)
  end
  local untils = redis.call('MGET', unpack(KEYS, n + 1, 2 * n))
  local state, fits, orders, weights, keys = {}, {}, {}, {}, {}
  for i = 1, n do
    local base = 8 + (i - 1) * stride
    local rpm, tpm = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
    local cur, rq, tk = advance(KEYS[i])
    local cooling = cooldown_end(untils[i]) - now
    fits[i] = cooling <= 0 and (rpm < 0 or rq + 1 <= rpm) and (tpm < 0 or tk + tokens <= tpm)
    weights[i] = tonumber(ARGV[base + 2])
    orders[i] = tonumber(ARGV[base + 3])
    keys[i] = (strategy == 'score') and tonumber(ARGV[base + 4]) or tk
    state[i] = { cur, rq, tk, rpm, tpm, cooling }
  end
  local chosen = choose(n, fits, orders, weights, keys, strategy, point)
  if chosen == nil then
    local soonest = -1
    local cooling_count = 0
    local misconfigured = 0
    for i = 1, n do
      local st = state[i]
      local wait = wait_ms(KEYS[i], st[1], st[2], st[3], st[4], st[5], tokens)
      if st[6] > 0 then
        cooling_count = cooling_count + 1
        if cooldown_reason(untils[i]) == 3 then
          misconfigured = misconfigured + 1
        end
        if wait >= 0 then
          wait = math.max(wait, st[6])
        end
      end
      if wait >= 0 and (soonest < 0 or wait < soonest) then
        soonest = wait
      end
    end
    return { 0, soonest, cooling_count, misconfigured }
  end
  local key = KEYS[chosen]
  local cur = state[chosen][1]
  local slot = cur % SLOTS
  redis.call('HINCRBY', key, 'r' .. slot, 1)
  redis.call('HINCRBY', key, 't' .. slot, tokens)
  redis.call('HINCRBY', key, 'rq', 1)
  redis.call('HINCRBY', key, 'tk', tokens)
  if tokens > 0 then
    redis.call('HINCRBY', key, 'p' .. slot, tokens)
  end
  redis.call('HSET', key, 'cur', cur)
  redis.call('PEXPIRE', key, ttl)
  return { 1, chosen, cur }
end

if command == 'settle' then
  local key = KEYS[1]
  local slot_second = tonumber(ARGV[4])
  local delta = tonumber(ARGV[5])
  local reserved = tonumber(ARGV[6])
  local cur = advance(key)
  if slot_second > cur or slot_second <= cur - SLOTS then
    return 0
  end
  local slot = slot_second % SLOTS
  local field, pending_field = 't' .. slot, 'p' .. slot
  local values = redis.call('HMGET', key, field, pending_field)
  local have = tonumber(values[1])
  if have == nil then
    return 0
  end
  -- what stays pending in the slot; the slot's tokens never go below it
  local left = math.max(0, (tonumber(values[2]) or 0) - reserved)
  if left > 0 then
    redis.call('HSET', key, pending_field, left)
  else
    redis.call('HDEL', key, pending_field)
  end
  if delta < left - have then
    delta = left - have
  end
  redis.call('HINCRBY', key, field, delta)
  redis.call('HINCRBY', key, 'tk', delta)
  redis.call('PEXPIRE', key, ttl)
  return 1
end

if command == 'usage' then
  local key = KEYS[1]
  local cur, rq, tk = advance(key)
  return { rq, tk, pending(key, cur) }
end

if command == 'calibrate' then
  local key = KEYS[1]
  local rpm, tpm = tonumber(ARGV[4]), tonumber(ARGV[5])
  local left_r, left_t = tonumber(ARGV[6]), tonumber(ARGV[7])
  local cur, rq, tk = advance(key)
  local add_r = (rpm >= 0 and left_r >= 0) and math.max(0, rpm - left_r - rq) or 0
  local settled = math.max(0, tk - pending(key, cur))
  local add_t = (tpm >= 0 and left_t >= 0) and math.max(0, tpm - left_t - settled) or 0
  if add_r == 0 and add_t == 0 then
    return 0
  end
  local slot = cur % SLOTS
  redis.call('HINCRBY', key, 'r' .. slot, add_r)
  redis.call('HINCRBY', key, 't' .. slot, add_t)
  redis.call('HINCRBY', key, 'rq', add_r)
  redis.call('HINCRBY', key, 'tk', add_t)
  redis.call('HSET', key, 'cur', cur)
  redis.call('PEXPIRE', key, ttl)
  return 1
end

if command == 'cool' then
  local key = KEYS[1]
  local duration = tonumber(ARGV[4])
  local reason = tonumber(ARGV[5])
  if reason == nil or reason < 1 or reason > 9 or reason % 1 ~= 0 then
    return redis.error_reply('cool expects a reason from 1 to 9, got ' .. tostring(ARGV[5]))
  end
  local ends = cooldown_end(redis.call('GET', key))
  if duration > 0 and now + duration > ends then
    ends = now + duration
    -- the value says when the cooldown ends and why; the expiry only cleans up, a TTL later
    redis.call('SET', key, string.format('%d.%d', ends, reason), 'PX', ends - now + ttl)
  end
  return math.max(0, ends - now)
end

if command == 'cooling' then
  local value = redis.call('GET', KEYS[1])
  local left = cooldown_end(value) - now
  if left <= 0 then
    return { 0, 0 }
  end
  return { left, cooldown_reason(value) }
end

if command == 'beat' then
  local key = KEYS[1]
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[5]))
  redis.call('PEXPIRE', key, ttl)
  return redis.call('ZCARD', key)
end

return redis.error_reply('unknown command ' .. tostring(command))
