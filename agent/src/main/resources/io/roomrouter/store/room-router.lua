-- room-router placement: every operation on one backend is one atomic step of this script.
-- Layout (docs/redis-keys.md): every key carries the backend's hash tag, so one step stays in one cluster slot.
--   KEYS[1] P:{B}:rooms   zset  room -> end of its idle timeout (ms); the index the sweep walks
--   KEYS[2] P:{B}:holds   zset  room -> end of its reservation window (ms)
--   KEYS[3] P:{B}:seats   hash  room -> "<server> <held seats>" while the room is inside its window
--   KEYS[4] P:{B}:held    hash  server -> sum of the held seats of its rooms
--   KEYS[5] P:{B}:live    hash  agent -> "<published ms> <server>:<state>:<connections> ..."
--   KEYS[6] P:{B}:epoch   string counter; every placement takes a new epoch
--   KEYS[7] P:{B}:room:R  hash  server, size, epoch, placed, arrivals   (room operations only)
--   KEYS[8] P:{B}:players:R set player ids seen while the room is inside its window (room operations only)
-- ARGV[1] is the operation, ARGV[2] the backend name, ARGV[3] the events channel, ARGV[4] now (ms).
-- Events: "<backend> <room>" when a room ends, "<backend> <room> <epoch>" when it got a new server.
-- Keys of swept rooms are derived from KEYS[1] here: they share its hash tag, hence its slot.

local op, backend, channel, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ROOMS, HOLDS, SEATS, HELD, LIVE, EPOCH = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local base = string.sub(ROOMS, 1, -6) -- "P:{B}:" without "rooms"
local SWEEP_LIMIT = 64

local function room_key(room) return base .. 'room:' .. room end
local function players_key(room) return base .. 'players:' .. room end

-- Gives a room's held seats back to its server.
local function drop_hold(room)
  local seat = redis.call('HGET', SEATS, room)
  if seat then
    local server, held = string.match(seat, '^(%S+) (%d+)$')
    if server and tonumber(held) > 0 then
      redis.call('HINCRBY', HELD, server, -tonumber(held))
    end
    redis.call('HDEL', SEATS, room)
  end
  redis.call('ZREM', HOLDS, room)
end

local function end_room(room)
  drop_hold(room)
  redis.call('ZREM', ROOMS, room)
  local existed = redis.call('DEL', room_key(room), players_key(room))
  redis.call('PUBLISH', channel, backend .. ' ' .. room)
  return existed
end

-- Ends idle rooms and closes reservation windows that have passed; bounded work per step.
local function sweep()
  local idle = redis.call('ZRANGEBYSCORE', ROOMS, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT)
  for _, room in ipairs(idle) do end_room(room) end
  local closed = redis.call('ZRANGEBYSCORE', HOLDS, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT)
  for _, room in ipairs(closed) do drop_hold(room) end
end

local function held_of(server)
  local held = tonumber(redis.call('HGET', HELD, server) or '0')
  if held < 0 then return 0 end
  return held
end

-- Live connections per server, summed over agents whose last publication is not older than stale_before.
local function live_sums(stale_before)
  local sums = {}
  local entries = redis.call('HGETALL', LIVE)
  for i = 1, #entries, 2 do
    local published, rest = string.match(entries[i + 1], '^(%d+)(.*)$')
    if published and tonumber(published) >= stale_before then
      for server, conns in string.gmatch(rest, ' (%S+):%u+:(%d+)') do
        sums[server] = (sums[server] or 0) + tonumber(conns)
      end
    end
  end
  return sums
end

-- Counts a join as an arrival while the room is inside its window: a new player id, or any join without one.
local function count_arrival(room, rk, size, player)
  if not redis.call('ZSCORE', HOLDS, room) then return '0' end
  local arrivals = tonumber(redis.call('HGET', rk, 'arrivals') or '0')
  if arrivals >= size then return '0' end
  if player ~= '' then
    if redis.call('SADD', players_key(room), player) == 0 then return '0' end
    local until_ms = redis.call('ZSCORE', HOLDS, room)
    redis.call('PEXPIREAT', players_key(room), math.floor(tonumber(until_ms)))
  end
  redis.call('HINCRBY', rk, 'arrivals', 1)
  return '1'
end

local function create(room, rk, server, size, window, idle, hold)
  local epoch = redis.call('INCR', EPOCH)
  redis.call('DEL', rk, players_key(room))
  redis.call('HSET', rk, 'server', server, 'size', size, 'epoch', epoch, 'placed', now, 'arrivals', 0)
  redis.call('ZADD', ROOMS, now + idle, room)
  if hold then
    redis.call('ZADD', HOLDS, now + window, room)
    redis.call('HSET', SEATS, room, server .. ' ' .. size)
    redis.call('HINCRBY', HELD, server, size)
  end
  return tostring(epoch)
end

-- ARGV: 5 room, 6 size, 7 player, 8 window, 9 idle, 10 stale_before, then (name, state, capacity) per server
-- of the agent's snapshot, in the room's rendezvous order so that ties go to the earliest.
-- Returns {decision, server, reason, load, capacity, epoch, arrival counted}.
local function join()
  local room, size, player = ARGV[5], tonumber(ARGV[6]), ARGV[7]
  local window, idle, stale_before = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
  local rk = KEYS[7]
  local states, order = {}, {}
  for i = 11, #ARGV, 3 do
    states[ARGV[i]] = { state = ARGV[i + 1], capacity = tonumber(ARGV[i + 2]) }
    order[#order + 1] = ARGV[i]
  end
  sweep()
  local live = live_sums(stale_before)
  local decision, why = 'placed', 'least-loaded'
  local current = redis.call('HMGET', rk, 'server', 'epoch')
  if current[1] then
    local server = current[1]
    local s = states[server]
    if s and (s.state == 'UP' or s.state == 'DRAIN') then
      redis.call('ZADD', ROOMS, now + idle, room)
      local counted = count_arrival(room, rk, size, player)
      return { 'sticky', server, 'room lives here', tostring((live[server] or 0) + held_of(server)),
               tostring(s.capacity), current[2], counted }
    end
    decision = 'moved'
    if s then why = server .. ' is ' .. s.state else why = server .. ' left the backend' end
    drop_hold(room)
  end
  local best, best_load, best_cap
  local fitting = {}
  for _, name in ipairs(order) do
    local s = states[name]
    local load = (live[name] or 0) + held_of(name)
    if s.state == 'UP' and load + size <= s.capacity then
      fitting[#fitting + 1] = { name, load, s.capacity }
      if not best or load * best_cap < best_load * s.capacity then
        best, best_load, best_cap = name, load, s.capacity
      end
    end
  end
  -- Among the servers within one room of the least loaded, the first in the room's rendezvous order. An agent that
  -- must answer without Redis (a timeout) picks the rendezvous server, so it mostly agrees with this placement,
  -- and loads stay within about one room of even.
  if best then
    local least_load, least_cap = best_load, best_cap
    for _, f in ipairs(fitting) do
      if f[2] * least_cap <= least_load * f[3] + size * least_cap then
        best, best_load, best_cap = f[1], f[2], f[3]
        break
      end
    end
  end
  if not best then
    if decision == 'moved' then end_room(room) end
    return { 'full', '', 'no server fits a room of ' .. size .. (decision == 'moved' and (' (' .. why .. ')') or ''),
             '0', '0', '', '0' }
  end
  local epoch = create(room, rk, best, size, window, idle, true)
  local counted = count_arrival(room, rk, size, player)
  if decision == 'moved' then
    why = 'moved from ' .. why
    redis.call('PUBLISH', channel, backend .. ' ' .. room .. ' ' .. epoch)
  end
  return { decision, best, why, tostring(best_load), tostring(best_cap), epoch, counted }
end

-- A join answered from an agent's cache: keeps the room alive and counts the arrival.
-- ARGV: 5 room, 6 epoch, 7 player, 8 idle. Returns {still valid, arrival counted}.
local function touch()
  local room, epoch, player, idle = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
  local rk = KEYS[7]
  sweep()
  local current = redis.call('HMGET', rk, 'epoch', 'size')
  if current[1] ~= epoch then return { '0', '0' } end
  redis.call('ZADD', ROOMS, now + idle, room)
  return { '1', count_arrival(room, rk, tonumber(current[2]), player) }
end

-- An agent's heartbeat: its live load, then the arrivals its HAProxy now counts as connections.
-- ARGV: 5 agent, 6 "<now> <server>:<state>:<conns> ...", 7 stale_before, then (room, epoch, count) triples.
local function publish()
  local agent, entry, stale_before = ARGV[5], ARGV[6], tonumber(ARGV[7])
  sweep()
  redis.call('HSET', LIVE, agent, entry)
  local entries = redis.call('HGETALL', LIVE)
  for i = 1, #entries, 2 do
    local published = tonumber(string.match(entries[i + 1], '^(%d+)') or '0')
    if published < stale_before then redis.call('HDEL', LIVE, entries[i]) end
  end
  local confirmed = 0
  for i = 8, #ARGV, 3 do
    local room, epoch, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
    if redis.call('HGET', room_key(room), 'epoch') == epoch then
      local seat = redis.call('HGET', SEATS, room)
      if seat then
        local server, held = string.match(seat, '^(%S+) (%d+)$')
        local take = math.min(count, tonumber(held))
        if take > 0 then
          redis.call('HSET', SEATS, room, server .. ' ' .. (tonumber(held) - take))
          redis.call('HINCRBY', HELD, server, -take)
          confirmed = confirmed + take
        end
      end
    end
  end
  return { tostring(confirmed) }
end

-- ARGV: 5 room. Returns {"1"} when the room existed.
local function release()
  local room = ARGV[5]
  -- A room whose hash a game server already deleted is still known by its index entry.
  local indexed = redis.call('ZSCORE', ROOMS, room)
  if end_room(room) > 0 or indexed then return { '1' } end
  return { '0' }
end

-- After an outage: the agent tells which server it routed a room to.
-- ARGV: 5 room, 6 server, 7 size, 8 idle, 9 epoch the agent's own late placement got ('' if none).
-- Returns {outcome, server, epoch}: adopted (Redis had no such room), kept (Redis's answer stands),
-- corrected (the room was the agent's own late placement: moved to where its players went).
local function adopt()
  local room, server, size, idle, late = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
  local rk = KEYS[7]
  sweep()
  local current = redis.call('HMGET', rk, 'server', 'epoch', 'arrivals')
  if not current[1] then
    return { 'adopted', server, create(room, rk, server, size, 0, idle, false) }
  end
  if current[1] == server then return { 'kept', server, current[2] } end
  -- Only while the late placement's own join is the room's only arrival: once another player was sent to
  -- Redis's server, moving the room would split it.
  if late ~= '' and current[2] == late and tonumber(current[3] or '0') <= 1 then
    -- A new epoch: agents that cached the late placement must see their entry as stale, not confirmed.
    drop_hold(room)
    local epoch = tostring(redis.call('INCR', EPOCH))
    redis.call('HSET', rk, 'server', server, 'epoch', epoch)
    redis.call('PUBLISH', channel, backend .. ' ' .. room .. ' ' .. epoch)
    return { 'corrected', server, epoch }
  end
  return { 'kept', current[1], current[2] }
end

if op == 'join' then return join()
elseif op == 'touch' then return touch()
elseif op == 'publish' then return publish()
elseif op == 'release' then return release()
elseif op == 'adopt' then return adopt()
end
return redis.error_reply('room-router: unknown operation ' .. tostring(op))
