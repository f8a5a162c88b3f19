-- Sliding-window usage of the deployments of one model group, for the router's Redis usage
-- store. One script, one round trip per routing decision.
--
-- A deployment's usage is one hash: fields r<slot> and t<slot> hold the requests and tokens of
-- one second (slot = second mod 61), rq and tk their running totals over the window, cur the
-- newest second, pt the tokens reserved by calls not yet settled. A second's usage counts until second + 61 begins: for 60 to 61 seconds, so no
-- 60-second window ever exceeds a limit. Every key of one call carries the group's hash tag
-- (one Redis Cluster slot) and a TTL. Nothing secret is stored: deployment ids and numbers.
--
-- ARGV[1] command: admit | settle | usage | beat
-- ARGV[2] now in milliseconds, or '' to read Redis TIME (one clock for every instance)
-- ARGV[3] TTL of the keys written, in milliseconds
--
-- admit  KEYS: usage hash of each candidate, then the cooldown key of each (a key that exists
--        means the deployment is cooling down, for its remaining TTL)
--        ARGV[4] tokens to reserve, ARGV[5] strategy (usage | shuffle | score),
--        ARGV[6] random in [0,1), ARGV[7..] per candidate: rpm, tpm (-1: unlimited), weight,
--        order, score. Only the lowest order among the candidates that fit is considered.
--        returns {1, candidate index (1-based), slot second}
--             or {0, wait ms or -1 when never, candidates cooling down}
-- cool   KEYS[1] cooldown key; ARGV[4] duration ms; keeps a longer cooldown; returns 1
-- cooling KEYS[1] cooldown key; returns the ms left, 0 when none
-- settle KEYS[1] usage hash; ARGV[4] slot second, ARGV[5] token delta, ARGV[6] tokens the
--        settled reservations had reserved; returns 1 if the delta was applied
-- usage  KEYS[1] usage hash; returns {requests, tokens}
-- calibrate KEYS[1] usage hash; ARGV[4] rpm, ARGV[5] tpm, ARGV[6] remaining requests,
--        ARGV[7] remaining tokens (-1: not configured / not reported); raises the window so
--        that limit - usage <= remaining, counting tokens against settled usage (reservations in
--        flight are estimates their calls will replace); never lowers it; returns 1
-- beat   KEYS[1] instances sorted set; ARGV[4] instance id, ARGV[5] ms after which an instance
--        is gone; returns the number of live instances

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

-- Moves a usage hash to second sec, dropping the seconds that leave the window.
-- Returns the newest second, the requests and the tokens in the window.
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
  redis.call('HDEL', key, unpack(fields))
  redis.call('HSET', key, 'cur', sec, 'rq', rq, 'tk', tk)
  return sec, rq, tk
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

local command = ARGV[1]

local PER_CANDIDATE = 5

if command == 'admit' then
  local tokens = tonumber(ARGV[4])
  local strategy = ARGV[5]
  local point = tonumber(ARGV[6])
  local n = #KEYS / 2
  local state = {}
  local best_order = nil
  for i = 1, n do
    local base = 7 + (i - 1) * PER_CANDIDATE
    local rpm, tpm = tonumber(ARGV[base]), tonumber(ARGV[base + 1])
    local order = tonumber(ARGV[base + 3])
    local cur, rq, tk = advance(KEYS[i])
    local cooling = redis.call('PTTL', KEYS[n + i])
    local fits = cooling < 0 and (rpm < 0 or rq + 1 <= rpm) and (tpm < 0 or tk + tokens <= tpm)
    state[i] = { cur, rq, tk, rpm, tpm, cooling, fits }
    if fits and (best_order == nil or order < best_order) then
      best_order = order
    end
  end
  local chosen = nil
  if best_order ~= nil then
    if strategy == 'shuffle' then
      local sum = 0
      for i = 1, n do
        local base = 7 + (i - 1) * PER_CANDIDATE
        if state[i][7] and tonumber(ARGV[base + 3]) == best_order then
          sum = sum + tonumber(ARGV[base + 2])
        end
      end
      local left = point * sum
      for i = 1, n do
        local base = 7 + (i - 1) * PER_CANDIDATE
        if state[i][7] and tonumber(ARGV[base + 3]) == best_order then
          chosen = i
          left = left - tonumber(ARGV[base + 2])
          if left < 0 then
            break
          end
        end
      end
    else
      local fewest = nil
      local tied = {}
      for i = 1, n do
        local base = 7 + (i - 1) * PER_CANDIDATE
        if state[i][7] and tonumber(ARGV[base + 3]) == best_order then
          local key = (strategy == 'score') and tonumber(ARGV[base + 4]) or state[i][3]
          if fewest == nil or key < fewest then
            fewest = key
            tied = { i }
          elseif key == fewest then
            tied[#tied + 1] = i
          end
        end
      end
      chosen = tied[math.min(#tied, math.floor(point * #tied) + 1)]
    end
  end
  if chosen == nil then
    local soonest = -1
    local cooling_count = 0
    for i = 1, n do
      local st = state[i]
      local wait = wait_ms(KEYS[i], st[1], st[2], st[3], st[4], st[5], tokens)
      if st[6] >= 0 then
        cooling_count = cooling_count + 1
        if wait >= 0 then
          wait = math.max(wait, st[6])
        end
      end
      if wait >= 0 and (soonest < 0 or wait < soonest) then
        soonest = wait
      end
    end
    return { 0, soonest, cooling_count }
  end
  local key = KEYS[chosen]
  local cur = state[chosen][1]
  local slot = cur % SLOTS
  redis.call('HINCRBY', key, 'r' .. slot, 1)
  redis.call('HINCRBY', key, 't' .. slot, tokens)
  redis.call('HINCRBY', key, 'rq', 1)
  redis.call('HINCRBY', key, 'tk', tokens)
  redis.call('HINCRBY', key, 'pt', tokens)
  redis.call('HSET', key, 'cur', cur)
  redis.call('PEXPIRE', key, ttl)
  return { 1, chosen, cur }
end

if command == 'cool' then
  local duration = tonumber(ARGV[4])
  if redis.call('PTTL', KEYS[1]) < duration then
    redis.call('SET', KEYS[1], '1', 'PX', duration)
  end
  return 1
end

if command == 'cooling' then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    return 0
  end
  return left
end

if command == 'settle' then
  local key = KEYS[1]
  local slot_second = tonumber(ARGV[4])
  local delta = tonumber(ARGV[5])
  local reserved = tonumber(ARGV[6]) or 0
  local cur = advance(key)
  local pending = tonumber(redis.call('HGET', key, 'pt'))
  if pending ~= nil then
    redis.call('HSET', key, 'pt', math.max(0, pending - reserved))
  end
  if slot_second > cur or slot_second <= cur - SLOTS then
    return 0
  end
  local field = 't' .. (slot_second % SLOTS)
  local have = tonumber(redis.call('HGET', key, field))
  if have == nil then
    return 0
  end
  if delta < -have then
    delta = -have
  end
  redis.call('HINCRBY', key, field, delta)
  redis.call('HINCRBY', key, 'tk', delta)
  redis.call('PEXPIRE', key, ttl)
  return 1
end

if command == 'calibrate' then
  local key = KEYS[1]
  local rpm, tpm = tonumber(ARGV[4]), tonumber(ARGV[5])
  local left_r, left_t = tonumber(ARGV[6]), tonumber(ARGV[7])
  local cur, rq, tk = advance(key)
  local add_r = (rpm >= 0 and left_r >= 0) and math.max(0, rpm - left_r - rq) or 0
  local settled = math.max(0, tk - (tonumber(redis.call('HGET', key, 'pt')) or 0))
  local add_t = (tpm >= 0 and left_t >= 0) and math.max(0, tpm - left_t - settled) or 0
  if add_r > 0 or add_t > 0 then
    local slot = cur % SLOTS
    redis.call('HINCRBY', key, 'r' .. slot, add_r)
    redis.call('HINCRBY', key, 't' .. slot, add_t)
    redis.call('HINCRBY', key, 'rq', add_r)
    redis.call('HINCRBY', key, 'tk', add_t)
    redis.call('HSET', key, 'cur', cur)
    redis.call('PEXPIRE', key, ttl)
  end
  return 1
end

if command == 'usage' then
  local _, rq, tk = advance(KEYS[1])
  return { rq, tk }
end

if command == 'beat' then
  local key = KEYS[1]
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[5]))
  redis.call('PEXPIRE', key, ttl)
  return redis.call('ZCARD', key)
end

return redis.error_reply('unknown command ' .. tostring(command))
