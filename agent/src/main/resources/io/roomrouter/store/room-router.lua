-- room-router placement: every operation on one backend is one atomic step of this script.
-- Layout (docs/redis-keys.md): every key carries the backend's hash tag, so one step stays in one cluster slot.
--   KEYS[1] P:{B}:rooms  zset   room -> end of its idle timeout (ms); the index the sweep walks
--   KEYS[2] P:{B}:room   hash   room -> "<server>[/<fallback>] <epoch> <size> <arrivals> <held> <until>[ <player hash> ...]"
--   KEYS[3] P:{B}:holds  zset   "<end> <server>" -> end: the reservation windows of a server that end in one
--                               HOLD_BUCKET, end being the bucket's end (ms); the index the sweep walks
--   KEYS[4] P:{B}:seats  hash   "<end> <server>" -> seats still held by the rooms of that holds entry
--   KEYS[5] P:{B}:load   hash   "held:<server>" -> sum of the held seats of its rooms,
--                               "live:<server>" -> its connections summed over fresh agents (written by publish),
--                               "sweep" -> earliest time (ms) at which a room operation sweeps again;
--                               one hash so that a join reads everything it weighs with one HMGET
--   KEYS[6] P:{B}:live   hash   agent -> "<published ms> <server>:<state>:<connections> ..."
--   KEYS[7] P:{B}:epoch  string counter; every placement takes a new epoch
-- ARGV[1] is the operation, ARGV[2] the backend name, ARGV[3] the events channel, ARGV[4] now (ms).
-- Events: "<backend> <room>" when a room ends, "<backend> <room> <epoch>" when it got a new server.
-- A room's seats are held while now < until; `held` is its seats not yet confirmed as HAProxy connections. until is
-- its placement plus the window, or, once it has seen most of its players (4 in 5), that arrival plus the straggler
-- hold if sooner: the stragglers' seats come back early (RoomLifetimes.mostArrived, BackendRooms).

local op, backend, channel, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ROOMS, ROOM, HOLDS, SEATS, LOAD, LIVE, EPOCH = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
-- Bounded work per step; a sweep that hits the bound runs again at the next step.
local SWEEP_LIMIT = 256
-- Room operations sweep at most this often (ms): a join checks its own room's idle end itself, and a closed window
-- that is not swept yet only keeps its seats held a little longer. Every publication sweeps.
local SWEEP_EVERY = 50
-- Windows ending within this many ms share one holds entry, so that the index costs next to nothing per room at any
-- placement rate; their seats come back at the bucket's end, at most this much after the window.
local HOLD_BUCKET = 100

-- The holds entry of a room's window: its server and the end of the bucket the window ends in.
local function hold_of(untl, server)
  return (math.ceil(untl / HOLD_BUCKET) * HOLD_BUCKET) .. ' ' .. server
end

-- A number read from a key, 0 when the key or field is missing or holds something else: a damaged or evicted key
-- costs what it counted, never the step.
local function num(value)
  return tonumber(value) or 0
end

-- A room's value, parsed; nil when the room is unknown or its value is not one this script wrote.
local function parse(value)
  if not value then return nil end
  local server, epoch, size, arrivals, held, untl, players =
    string.match(value, '^(%S+) (%d+) (%d+) (%d+) (%d+) (%d+)(.*)$')
  if not server then return nil end
  -- HAProxy server names cannot hold '/'; a value written before fallbacks were kept has none.
  local named, fallback = string.match(server, '^([^/]+)/(.+)$')
  if named then server = named end
  return { server = server, fallback = fallback, epoch = epoch, size = tonumber(size), arrivals = tonumber(arrivals),
           held = tonumber(held), untl = tonumber(untl), players = players }
end

-- The step under way when the operation is `batch`, nil otherwise. Within a batch, writes that every entry makes
-- alike are gathered and made once at the end of the step (flush): room values, idle ends, held seats, holds
-- entries. Everything the entries read goes through the same state, so each entry sees the ones before it exactly as
-- if each were a step of its own.
local step = nil
-- The straggler hold (ms) of the batch under way.
local straggler_hold = nil

-- Whether a room still waits for players: inside its window (which the straggler hold may have shortened) and not
-- every seat claimed. Only then are arrivals counted, and only then does it count against its client's bound.
local function waits_for_players(r)
  return r.untl > now and r.arrivals < r.size
end

local function render(r)
  local players = r.players
  -- Player hashes only serve to count arrivals while the room waits for players: afterwards it keeps none.
  if not waits_for_players(r) then players = '' end
  local server = r.server
  if r.fallback then server = server .. '/' .. r.fallback end
  return server .. ' ' .. r.epoch .. ' ' .. r.size .. ' ' .. r.arrivals .. ' ' .. r.held .. ' ' .. r.untl .. players
end

local function store(room, r)
  if step then
    if step.values[room] == nil then step.dirty[#step.dirty + 1] = room end
    step.values[room] = r
    return
  end
  redis.call('HSET', ROOM, room, render(r))
end

-- Pushes a room's idle end out to now + idle.
local function keep_alive(room, idle)
  if step then
    step.alive[#step.alive + 1] = room
    return
  end
  redis.call('ZADD', ROOMS, now + idle, room)
end

-- Applies the seats the batch's new rooms hold to their holds entries; only the first seats of an entry add it to
-- the index, and an entry leaves the index when the sweep gives its seats back.
local function flush_seats()
  for _, hold in ipairs(step.holds) do
    local seats = step.seats[hold]
    if redis.call('HINCRBY', SEATS, hold, seats) == seats then
      redis.call('ZADD', HOLDS, tonumber(string.match(hold, '^%d+')), hold)
    end
  end
  step.holds, step.seats = {}, {}
end

-- Gives back up to `seats` of a room's held seats; returns how many. Seats whose window was swept already came
-- back with it.
local function give_back(r, seats)
  local take = math.min(seats, r.held)
  if take <= 0 then return 0 end
  if step then flush_seats() end -- the room's holds entry may have seats of this step still to add
  local hold = hold_of(r.untl, r.server)
  local left = tonumber(redis.call('HGET', SEATS, hold)) or -1
  r.held = r.held - take
  if left < 0 then return 0 end
  if left <= take then redis.call('HDEL', SEATS, hold) else redis.call('HINCRBY', SEATS, hold, -take) end
  local given = math.min(take, left)
  redis.call('HINCRBY', LOAD, 'held:' .. r.server, -given)
  local k = step and step.index[r.server]
  if k then step.held[k] = step.held[k] - given end
  return take
end

local function end_room(room, r)
  if r then give_back(r, r.held) end
  redis.call('HDEL', ROOM, room)
  if step and step.values[room] then step.values[room] = false end
  redis.call('PUBLISH', channel, backend .. ' ' .. room)
end

-- A room's stored state; nil when it has none. A value this script did not write (damaged by hand, or by a
-- partial write of another tool) is dropped with a line in Redis' log: it costs that one room, which is placed
-- anew at its next join, and nothing else.
local function read_room(room)
  local value = redis.call('HGET', ROOM, room)
  local r = parse(value)
  if value and not r then
    redis.log(redis.LOG_WARNING, 'room-router: ' .. backend .. ' room ' .. room .. ': malformed value dropped')
    redis.call('HDEL', ROOM, room)
    redis.call('ZREM', ROOMS, room)
  end
  return r
end

-- Ends idle rooms and closes reservation windows that have passed.
local function sweep()
  local idle = redis.call('ZRANGEBYSCORE', ROOMS, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT)
  for _, room in ipairs(idle) do end_room(room, parse(redis.call('HGET', ROOM, room))) end
  if #idle > 0 then redis.call('ZREMRANGEBYRANK', ROOMS, 0, #idle - 1) end
  local closed = redis.call('ZRANGEBYSCORE', HOLDS, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT)
  for _, hold in ipairs(closed) do
    local seats = num(redis.call('HGET', SEATS, hold))
    local server = string.match(hold, ' (.*)$')
    if seats > 0 and server then redis.call('HINCRBY', LOAD, 'held:' .. server, -seats) end
    redis.call('HDEL', SEATS, hold)
  end
  if #closed > 0 then redis.call('ZREMRANGEBYRANK', HOLDS, 0, #closed - 1) end
  local next_sweep = now + SWEEP_EVERY
  if #idle == SWEEP_LIMIT or #closed == SWEEP_LIMIT then next_sweep = now end
  redis.call('HSET', LOAD, 'sweep', next_sweep)
end

local function due(next_sweep)
  return now >= tonumber(next_sweep or '0')
end

local function maybe_sweep()
  if due(redis.call('HGET', LOAD, 'sweep')) then sweep() end
end

-- The room's state if it lives; a room whose idle end has passed (a game server may have set it to 0) ends now.
local function live_room(room)
  -- A room an earlier entry of this batch kept or placed lives: its idle end is now + idle.
  local kept = step and step.values[room]
  if kept then return kept end
  local r = read_room(room)
  if not r then return nil end
  local idle_end = redis.call('ZSCORE', ROOMS, room)
  if idle_end and tonumber(idle_end) <= now then
    end_room(room, r)
    redis.call('ZREM', ROOMS, room)
    return nil
  end
  return r
end

-- Ends a room's window at `untl`, sooner than it would: its held seats move to the holds entry of that end, which
-- the sweep gives back then. Seats whose entry was swept already came back with it.
local function shorten(r, untl)
  flush_seats() -- the room's holds entry may have seats of this step still to add
  local from, to = hold_of(r.untl, r.server), hold_of(untl, r.server)
  r.untl = untl
  if from == to or r.held <= 0 then return end
  local left = tonumber(redis.call('HGET', SEATS, from)) or -1
  if left < 0 then return end
  local moved = math.min(r.held, left)
  if left <= moved then redis.call('HDEL', SEATS, from) else redis.call('HINCRBY', SEATS, from, -moved) end
  if redis.call('HINCRBY', SEATS, to, moved) == moved then
    redis.call('ZADD', HOLDS, tonumber(string.match(to, '^%d+')), to)
  end
end

-- Whether `arrivals` of a room of `size` are most of its players: 4 in 5, as RoomLifetimes.mostArrived.
local function most_arrived(arrivals, size)
  return 5 * arrivals >= 4 * size
end

-- Counts a join as an arrival while the room is inside its window: a new player, or any join without one. The
-- arrival that makes most of the room's players, short of all, ends the window a straggler hold from now, if sooner.
-- Returns '1' when counted; the caller stores r.
local function count_arrival(r, player)
  if not waits_for_players(r) then return '0' end
  if player ~= '' then
    if r.players ~= '' and string.find(r.players .. ' ', ' ' .. player .. ' ', 1, true) then return '0' end
    r.players = r.players .. ' ' .. player
  end
  r.arrivals = r.arrivals + 1
  if r.arrivals < r.size and most_arrived(r.arrivals, r.size) and not most_arrived(r.arrivals - 1, r.size)
      and now + straggler_hold < r.untl then
    shorten(r, now + straggler_hold)
  end
  return '1'
end

local function next_epoch()
  if not step then return tostring(redis.call('INCR', EPOCH)) end
  -- One INCRBY per batch reserves an epoch for every join it could place; unused ones are skipped.
  if step.epoch == step.last_epoch then
    step.last_epoch = redis.call('INCRBY', EPOCH, step.joins_left)
    step.epoch = step.last_epoch - step.joins_left
  end
  step.epoch = step.epoch + 1
  return tostring(step.epoch)
end

-- A new room on `server`. Seats are held (window > 0) only by the joins of a batch, which add them to their holds
-- entries at the end of the step (flush_seats); an adopted room holds none.
local function create(room, server, size, window, idle)
  local r = { server = server, epoch = next_epoch(), size = size, arrivals = 0, held = 0, untl = 0, players = '' }
  if window > 0 then
    r.held, r.untl = size, now + window
    local k = step.index[server]
    -- Every room a batch places on one server shares its window's end, hence its holds entry.
    local hold = step.hold[k] or hold_of(r.untl, server)
    step.hold[k] = hold
    if not step.seats[hold] then
      step.holds[#step.holds + 1] = hold
      step.seats[hold] = 0
    end
    step.seats[hold] = step.seats[hold] + size
    step.held[k] = step.held[k] + size
    step.held_added[k] = step.held_added[k] + size
  end
  keep_alive(room, idle)
  return r
end

local function load_of(k)
  local h = step.held[k]
  if h < 0 then h = 0 end
  return step.live[k] + h
end

-- Where HAProxy should send the room's players if it sees the room's server (position k) down before any agent
-- does, as PlacementPolicy.fallback weighs it: the first other UP server of the room's rendezvous order where the
-- room fits, else the first other UP server. Returns its position and that of the first other UP server (the
-- usual fallback, which the room's value does not spell out); nil, nil when no other server is UP.
local function fallback_of(order, k, size)
  local first_up = nil
  for pos in string.gmatch(order, '%d+') do
    local i = tonumber(pos)
    if i ~= k and step.states[i] == 'UP' then
      first_up = first_up or i
      if load_of(i) + size <= step.caps[i] then return i, first_up end
    end
  end
  return first_up, first_up
end

-- The fallback a room's value keeps: only one that is not the first other UP server of its rendezvous order (the
-- fallback the room goes to when its value keeps none), so that most rooms spend no bytes on it.
local function kept_fallback(fallback, usual)
  if fallback and fallback ~= usual then return step.names[fallback] end
  return nil
end

-- Why no server fits a room of `size`, as Reasons.noServerFits words it: every server of the batch's list with its
-- load and capacity when it is UP, else its state.
local function no_server_fits(size)
  local parts = {}
  for i, name in ipairs(step.names) do
    if step.states[i] == 'UP' then
      parts[i] = name .. ' ' .. load_of(i) .. '/' .. step.caps[i]
    else
      parts[i] = name .. ' ' .. step.states[i]
    end
  end
  if #parts == 0 then return 'no server fits a room of ' .. size .. ': the backend has no servers' end
  return 'no server fits a room of ' .. size .. ': ' .. table.concat(parts, ', ')
end

-- One join inside a batch. `order` is the room's rendezvous order as positions in the batch's server list; `claim`
-- the server the agent knows the room on ('' when it does not know the room, '?' when it does not know it but
-- HAProxy's stick table has it: then a room Redis does not have is answered 'unknown' and not placed).
-- Returns decision, server, reason, load, capacity, epoch, arrival counted, fallback ('' when none). The fallback is
-- kept in the room's value: a room whose server failed moves there, where HAProxy has been sending its players.
-- `may_open` is false when the agent's client is at its bound of rooms still waiting for players: the join is then
-- answered for a room that exists, and rejected for a new one. The backend's room count is bounded by
-- step.max_rooms: a new room past it is refused as full. Neither bound ever refuses a room that exists.
-- Reasons are the words of io.roomrouter.placement.Reasons (PlacementAgreementIT holds both to the same words).
local function join(room, size, player, order, claim, window, idle, may_open)
  local names, states, caps = step.names, step.states, step.caps
  local decision, why = 'placed', nil
  -- The server the room goes to, as a position in the batch's server list.
  local target = nil
  local r = live_room(room)
  local adopted = false
  -- HAProxy's stick table has the room and the agent does not know where: if Redis does not have it either, its
  -- players were routed without an agent (or Redis lost it), and the agent asks the table before it is placed.
  if not r and claim == '?' then
    return 'unknown', '', '', '0', '0', '', '0', ''
  end
  if not r and claim ~= '' then
    -- Redis lost a room an agent still routes to (a restart without persistence, a failover, an evicted key):
    -- it stays where its players are instead of being placed anew, which would split it.
    local c = step.index[claim]
    if c and (states[c] == 'UP' or states[c] == 'DRAIN') then
      r, adopted = create(room, claim, size, 0, idle), true
    end
  end
  if r then
    local server = r.server
    local k = step.index[server]
    local state = k and states[k]
    if state == 'UP' or state == 'DRAIN' then
      keep_alive(room, idle)
      local counted = count_arrival(r, player)
      local fallback, usual = fallback_of(order, k, size)
      local kept = kept_fallback(fallback, usual)
      if adopted or counted == '1' or kept ~= r.fallback then
        r.fallback = kept
        store(room, r)
      end
      return 'sticky', server, adopted and 'room lives here; kept where an agent knew it' or 'room lives here',
             tostring(load_of(k)), tostring(caps[k]), r.epoch, counted, fallback and names[fallback] or ''
    end
    decision = 'moved'
    if state then why = 'server ' .. server .. ' is ' .. state else why = 'server ' .. server .. ' left the backend' end
    give_back(r, r.held)
    -- The fallback last named for the room: the one its value keeps, else the usual one (a server added since
    -- the room was last answered can make that another server than the one named; the room then follows the
    -- rendezvous order, as HAProxy does not).
    local f = r.fallback and step.index[r.fallback]
    if f and states[f] == 'UP' then
      target = f
    else
      local _, usual = fallback_of(order, k, size)
      target = usual
    end
  end
  -- A room an agent claims exists (Redis lost it, and its server is gone): never refused by the bounds.
  if not r and claim == '' then
    if not may_open then
      -- No reason: only the agent knows its client's bound, and it words the refusal (Reasons.clientBound).
      return 'rejected', '', '', '0', '0', '', '0', ''
    end
    -- HLEN once per step; the rooms this step opened are not written yet (flush) and are counted apart.
    if not step.rooms then step.rooms = redis.call('HLEN', ROOM) end
    if step.rooms + step.opened >= step.max_rooms then
      return 'full', '', 'room limit reached (' .. step.max_rooms .. ' rooms)', '0', '0', '', '0', ''
    end
  end
  if target then
    -- HAProxy has been sending the room's players to its fallback since it saw the room's server down, so the
    -- room goes there too, even past the seats it would otherwise need.
    why = why .. '; to its fallback'
  else
    -- PlacementPolicy.choose: among the UP servers where the whole room fits, the lowest load relative to
    -- capacity; of equally loaded ones the first in the room's rendezvous order (highest weight first, as Java
    -- ranked it), hence the strict comparison.
    local least_load, least_cap
    for pos in string.gmatch(order, '%d+') do
      local i = tonumber(pos)
      local load = load_of(i)
      if states[i] == 'UP' and load + size <= caps[i]
          and (not target or load * least_cap < least_load * caps[i]) then
        target, least_load, least_cap = i, load, caps[i]
      end
    end
  end
  if not target then
    if decision == 'moved' then
      end_room(room, r)
      redis.call('ZREM', ROOMS, room)
    end
    local no_fit = no_server_fits(size)
    if decision == 'moved' then no_fit = why .. '; ' .. no_fit end
    return 'full', '', no_fit, '0', '0', '', '0', ''
  end
  local best = names[target]
  if decision == 'placed' then step.opened = step.opened + 1 end
  r = create(room, best, size, window, idle)
  -- The load with the room's own seats, as a sticky join of it reports it.
  local best_load, best_cap = load_of(target), caps[target]
  local counted = count_arrival(r, player)
  local fallback, usual = fallback_of(order, target, size)
  r.fallback = kept_fallback(fallback, usual)
  store(room, r)
  if decision == 'moved' then
    redis.call('PUBLISH', channel, backend .. ' ' .. room .. ' ' .. r.epoch)
  else
    why = 'least-loaded'
  end
  return decision, best, why, tostring(best_load), tostring(best_cap), r.epoch, counted,
         fallback and names[fallback] or ''
end

-- A join answered from an agent's cache: keeps the room alive and counts the arrival.
-- Returns still valid, arrival counted, the fallback kept with the room ('' when none).
local function touch(room, epoch, player, idle)
  local r = live_room(room)
  if not r or r.epoch ~= epoch then return '0', '0', '' end
  keep_alive(room, idle)
  local counted = count_arrival(r, player)
  if counted == '1' or (r.players ~= '' and r.untl <= now) then store(room, r) end
  return '1', counted, r.fallback or ''
end

-- Makes the writes the batch gathered.
local function flush(idle)
  flush_seats()
  for k, added in ipairs(step.held_added) do
    if added ~= 0 then redis.call('HINCRBY', LOAD, 'held:' .. step.names[k], added) end
  end
  local pairs_out = {}
  for _, room in ipairs(step.dirty) do
    local r = step.values[room]
    if r then
      pairs_out[#pairs_out + 1] = room
      pairs_out[#pairs_out + 1] = render(r)
    end
  end
  if #pairs_out > 0 then redis.call('HSET', ROOM, unpack(pairs_out)) end
  if #step.alive > 0 then
    local scored = {}
    for _, room in ipairs(step.alive) do
      scored[#scored + 1] = now + idle
      scored[#scored + 1] = room
    end
    redis.call('ZADD', ROOMS, unpack(scored))
  end
end

-- Group commit: the joins and cache-hit touches an agent gathered for one backend while its previous step was
-- under way, one after another in one atomic step, each exactly as if it were a step of its own.
-- ARGV: 5 window, 6 straggler hold, 7 idle, 8 n, then (name, state, capacity) for each of the n servers of the
-- agent's snapshot, then
-- the backend's bound of rooms, then 6 values per entry: 'j' (or 'n': a join that may not open a new room), room,
-- size, player hash, the room's rendezvous order as 1-based positions in that server
-- list ("2 3 1", highest weight first), the server the agent knows the room on ('' if none, '?' to be told
-- 'unknown'; see join); or 't', room, epoch,
-- player hash, '', ''.
-- Returns 8 values per entry, in order: a join's {decision, server, reason, load, capacity, epoch, arrival counted,
-- fallback}; a touch's {still valid, arrival counted, the room's fallback, '', '', '', '', ''}.
local function batch()
  local window, idle, n = tonumber(ARGV[5]), tonumber(ARGV[7]), tonumber(ARGV[8])
  straggler_hold = tonumber(ARGV[6])
  local per_entry = 6
  local names, states, caps, index, fields = {}, {}, {}, {}, { 'sweep' }
  for i = 1, n do
    local a = 6 + 3 * i
    names[i], states[i], caps[i] = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
    index[names[i]] = i
    fields[2 * i], fields[2 * i + 1] = 'live:' .. names[i], 'held:' .. names[i]
  end
  local max_rooms = tonumber(ARGV[9 + 3 * n])
  local first = 10 + 3 * n
  local loads = redis.call('HMGET', LOAD, unpack(fields))
  for i = 2, #fields do
    -- A count that is no number (damaged by hand) would fail every HINCRBY of its server, so every placement there.
    if loads[i] and not tonumber(loads[i]) then
      redis.log(redis.LOG_WARNING, 'room-router: ' .. backend .. ' ' .. fields[i] .. ': malformed count dropped')
      redis.call('HDEL', LOAD, fields[i])
      loads[i] = false
    end
  end
  if due(loads[1]) then
    sweep()
    loads = redis.call('HMGET', LOAD, unpack(fields))
  end
  local joins = 0
  for e = first, #ARGV, per_entry do
    if ARGV[e] == 'j' or ARGV[e] == 'n' then joins = joins + 1 end
  end
  step = { names = names, states = states, caps = caps, index = index, live = {}, held = {}, held_added = {},
           holds = {}, seats = {}, hold = {}, values = {}, dirty = {}, alive = {},
           joins_left = joins, epoch = 0, last_epoch = 0, max_rooms = max_rooms, rooms = nil, opened = 0 }
  for i = 1, n do
    step.live[i] = num(loads[2 * i])
    step.held[i] = num(loads[2 * i + 1])
    step.held_added[i] = 0
  end
  local out, o = {}, 0
  for e = first, #ARGV, per_entry do
    if ARGV[e] == 'j' or ARGV[e] == 'n' then
      out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5], out[o + 6], out[o + 7], out[o + 8] =
        join(ARGV[e + 1], tonumber(ARGV[e + 2]), ARGV[e + 3], ARGV[e + 4], ARGV[e + 5], window, idle, ARGV[e] == 'j')
      step.joins_left = step.joins_left - 1
    else
      out[o + 1], out[o + 2], out[o + 3] = touch(ARGV[e + 1], ARGV[e + 2], ARGV[e + 3], idle)
      out[o + 4], out[o + 5], out[o + 6], out[o + 7], out[o + 8] = '', '', '', '', ''
    end
    o = o + 8
  end
  flush(idle)
  step = nil
  return out
end

-- An agent's heartbeat: its live load, the load summary of all fresh agents, then the arrivals its HAProxy now
-- counts as connections, then whether rooms its clients opened still wait for players (the agent's bound of such
-- rooms per client: their other players may come through other agents). ARGV: 5 agent,
-- 6 "<now> <server>:<state>:<conns> ...", 7 stale_before, 8 n, then n (room, epoch, count) triples, then
-- (room, epoch) pairs. Returns {the seats given back, then per pair '1' while that room (that epoch) still waits
-- for players: inside its window, which the straggler hold may have shortened, and not every seat claimed}.
local function publish()
  local agent, entry, stale_before, n = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
  sweep()
  redis.call('HSET', LIVE, agent, entry)
  local entries = redis.call('HGETALL', LIVE)
  local sums, flat = {}, {}
  for i = 1, #entries, 2 do
    local published, rest = string.match(entries[i + 1], '^(%d+)(.*)$')
    if published and tonumber(published) >= stale_before then
      for server, conns in string.gmatch(rest, ' (%S+):%u+:(%d+)') do
        sums[server] = (sums[server] or 0) + num(conns)
      end
    else
      redis.call('HDEL', LIVE, entries[i])
    end
  end
  local fields = redis.call('HKEYS', LOAD)
  for _, field in ipairs(fields) do
    local server = string.match(field, '^live:(.*)$')
    if server and not sums[server] then redis.call('HDEL', LOAD, field) end
  end
  for server, conns in pairs(sums) do
    flat[#flat + 1] = 'live:' .. server
    flat[#flat + 1] = conns
  end
  if #flat > 0 then redis.call('HSET', LOAD, unpack(flat)) end
  local confirmed = 0
  local pairs_from = 9 + 3 * n
  for i = 9, pairs_from - 1, 3 do
    local room, epoch, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
    local r = read_room(room)
    if r and r.epoch == epoch and r.held > 0 then
      local take = give_back(r, count)
      confirmed = confirmed + take
      store(room, r)
    end
  end
  local out = { tostring(confirmed) }
  for i = pairs_from, #ARGV, 2 do
    local r = read_room(ARGV[i])
    out[#out + 1] = (r and r.epoch == ARGV[i + 1] and waits_for_players(r)) and '1' or '0'
  end
  return out
end

-- ARGV: 5 room. Returns {"1"} when the room existed.
local function release()
  local room = ARGV[5]
  maybe_sweep()
  local value = redis.call('HGET', ROOM, room)
  -- A room whose value a game server already deleted is still known by its index entry.
  local indexed = redis.call('ZREM', ROOMS, room)
  if not value and indexed == 0 then return { '0' } end
  end_room(room, parse(value))
  return { '1' }
end

-- After an interruption (lost connection, silence, failed requests): an agent tells where it has been routing the
-- rooms it knows, so that Redis, which may have lost them, keeps them there. ARGV: 5 idle, then (room, server, size)
-- triples. Returns 3 values per room: outcome, server, epoch. Outcomes: adopted (Redis lacked the room: it lives on
-- the agent's server now), kept (Redis has it there too), conflict (Redis has it on another server, which stands).
local function adopt()
  local idle = tonumber(ARGV[5])
  maybe_sweep()
  local out = {}
  for i = 6, #ARGV, 3 do
    local room, server = ARGV[i], ARGV[i + 1]
    local r = live_room(room)
    local outcome = 'kept'
    if not r then
      r, outcome = create(room, server, tonumber(ARGV[i + 2]), 0, idle), 'adopted'
      store(room, r)
    elseif r.server ~= server then
      outcome = 'conflict'
    end
    out[#out + 1] = outcome
    out[#out + 1] = r.server
    out[#out + 1] = r.epoch
  end
  return out
end

if op == 'batch' then return batch()
elseif op == 'publish' then return publish()
elseif op == 'release' then return release()
elseif op == 'adopt' then return adopt()
end
return redis.error_reply('room-router: unknown operation ' .. tostring(op))
