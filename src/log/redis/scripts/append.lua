#!lua
-- Appends one produce request's records to one or more partitions of a topic, atomically, at dense
-- offsets. On a single node one call covers every partition a request touches; under Redis Cluster
-- the store calls it per partition (the keys of one partition share a hash tag, so a slot).
--
-- KEYS, 5 per partition: stream, meta hash, time index, "watched" flag (set while some gateway waits),
-- key index (hash of key -> latest offset, kept only for a compacted topic).
-- ARGV[1] 'L' for LogAppendTime, 'C' for CreateTime; ARGV[2] pub/sub channel announcing appends
-- ('' for none); ARGV[3] topic; ARGV[4] '1' when a partition may be new, '0' otherwise; ARGV[5] '1'
-- when the topic is compacted (each keyed record becomes its key's latest in the key index); then per
-- partition 3 values: partition number, record count n, and the n records packed one after
-- another, each as (big-endian)
--   u8 flags (1 key, 2 value, 4 headers present, 8 timestamp follows, 16 codec follows), [u8 length +
--   timestamp digits], [u8 length + codec marker], [u32 length + key], [u32 length + value],
--   [u32 length + headers]
-- (a record without flag 8 has the timestamp of the record before it; the first one has flag 8).
-- Entry fields: t timestamp, k key, v value, h headers, c the codec the value is compressed with;
-- an absent field is not written (null; no c: the value is stored as produced).
-- The meta field `bytes` sums the lengths of the field values written (trim-head.lua subtracts them).
-- Entry ids: the first record of a partition gets 0-(offset+1) from the `next` counter, the rest
-- `0-*` (the next sequence number), so offsets stay dense and are never reused even if the stream
-- is trimmed empty or deleted by hand. Every partition is checked before the first XADD: Redis
-- does not roll a script back, and a request must be all or nothing.
-- A partition without metadata has never been appended to, or its Redis lost its data: unless
-- ARGV[4] says the gateway has just found the store intact, the call is refused with SGNEW.
-- Appends are announced on the channel as one message per call, a line `<next offset> <partition>
-- <topic>` per partition that some gateway watches.
-- Returns { append time or -1, base offset of each partition in the order given }.
local mode, channel, topic, mayBeNew, compacted = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
local K = 5
local partitions = #KEYS / K
local ARGS = 5
-- Field-value pairs per HSET: well inside what Lua's unpack can pass.
local HSET_PAIRS = 1000

local states = {}
for j = 1, partitions do
  local stream, meta = KEYS[j * K - 4], KEYS[j * K - 3]
  local state = redis.call('HMGET', meta, 'next', 'maxts', 'tbucket', 'start', 'bytes')
  local nextOffset = tonumber(state[1] or '0')
  if not state[1] and redis.call('EXISTS', stream) == 1 then
    return redis.error_reply('STREAMGATE partition metadata is missing but its stream exists: refusing to reuse offsets')
  end
  if not state[1] and mayBeNew ~= '1' then
    return redis.error_reply('SGNEW partition ' .. ARGV[ARGS + j * 3 - 2] .. ' has no metadata')
  end
  -- A stream ahead of its metadata would make the partition's first XADD fail; for the first
  -- partition that XADD is the script's first write, so it fails alone (see below). The others
  -- are checked here, before anything is written.
  local top = j > 1 and redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1) or {}
  if top[1] then
    local seq = tonumber(string.match(top[1][1], '^0%-(%d+)$') or '-1')
    if seq ~= nextOffset then
      return redis.error_reply('STREAMGATE partition stream and metadata disagree (stream top ' .. top[1][1] .. ', next offset ' .. nextOffset .. ')')
    end
  end
  states[j] = { nextOffset, tonumber(state[2] or '-1'), tonumber(state[3] or '-1'), state[4], tonumber(state[5] or '0') }
end

local appendTime = -1
if mode == 'L' then
  local now = redis.call('TIME')
  appendTime = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
local appendTimeText = tostring(appendTime)

local result = { appendTime }
local announced = {}
for j = 1, partitions do
  local stream, meta, tidx, watched, keyidx = KEYS[j * K - 4], KEYS[j * K - 3], KEYS[j * K - 2], KEYS[j * K - 1], KEYS[j * K]
  local partition, n, data = ARGV[ARGS + j * 3 - 2], tonumber(ARGV[ARGS + j * 3 - 1]), ARGV[ARGS + j * 3]
  local nextOffset, maxts, bucket = states[j][1], states[j][2], states[j][3]
  local pos, ts = 1, appendTimeText
  local bytes = states[j][5]
  -- Key index updates go out as one HSET per batch (in chunks of HSET_PAIRS): fewer commands to
  -- dispatch and propagate than one per record. Later pairs of a key override earlier ones.
  local latest, fields = {}, 0
  for i = 0, n - 1 do
    local flags = string.byte(data, pos)
    pos = pos + 1
    local indexed = false
    local codec = flags >= 16
    if codec then flags = flags - 16 end
    if flags >= 8 then
      flags = flags - 8
      local stamp
      stamp, pos = struct.unpack('>Bc0', data, pos)
      if appendTime < 0 then
        ts = stamp
        local t = tonumber(stamp)
        if t > maxts then
          maxts = t
          -- A sparse index: one entry per 100 ms of new maximum timestamp, enough to bound a lookup's scan.
          local b = math.floor(t / 100)
          if b > bucket then
            bucket = b
            indexed = true
          end
        end
      end
    end
    if codec then codec, pos = struct.unpack('>Bc0', data, pos) end
    local id, add = '0-*', redis.call
    -- The script's first write is refused by Redis when the stream is ahead of the metadata: it
    -- runs protected, so that refusal is the script's answer (nothing has been written yet).
    if i == 0 then id = '0-' .. (nextOffset + 1) end
    if i == 0 and j == 1 then add = redis.pcall end
    local reply, key
    if flags == 3 then
      -- The common keyed record has the same three fields as the stream's first entry, which Redis
      -- then stores only once per node.
      local value
      key, value, pos = struct.unpack('>I4c0I4c0', data, pos)
      bytes = bytes + #ts + #key + #value
      if codec then
        bytes = bytes + #codec
        reply = add('XADD', stream, id, 't', ts, 'k', key, 'v', value, 'c', codec)
      else
        reply = add('XADD', stream, id, 't', ts, 'k', key, 'v', value)
      end
    else
      local args = { stream, id, 't', ts }
      local field
      if flags % 2 == 1 then key, pos = struct.unpack('>I4c0', data, pos); args[#args + 1] = 'k'; args[#args + 1] = key end
      if math.floor(flags / 2) % 2 == 1 then field, pos = struct.unpack('>I4c0', data, pos); args[#args + 1] = 'v'; args[#args + 1] = field end
      if flags >= 4 then field, pos = struct.unpack('>I4c0', data, pos); args[#args + 1] = 'h'; args[#args + 1] = field end
      if codec then args[#args + 1] = 'c'; args[#args + 1] = codec end
      for f = 4, #args, 2 do bytes = bytes + #args[f] end
      reply = add('XADD', unpack(args))
    end
    if type(reply) == 'table' and reply.err then
      return redis.error_reply('STREAMGATE partition stream is ahead of its metadata (next offset ' .. nextOffset .. '): ' .. reply.err)
    end
    if compacted and key then
      -- A number, not tostring(): redis.call formats it, and a tostring per record cost more than the HSET.
      latest[fields + 1], latest[fields + 2], fields = key, nextOffset + i, fields + 2
    end
    if indexed then redis.call('ZADD', tidx, maxts, nextOffset + i) end
  end
  for from = 1, fields, 2 * HSET_PAIRS do
    redis.call('HSET', keyidx, unpack(latest, from, math.min(from + 2 * HSET_PAIRS - 1, fields)))
  end
  if appendTime >= 0 and appendTime > maxts then
    maxts = appendTime
    local b = math.floor(appendTime / 100)
    if b > bucket then
      bucket = b
      redis.call('ZADD', tidx, appendTime, nextOffset)
    end
  end

  if states[j][4] then
    redis.call('HSET', meta, 'next', nextOffset + n, 'maxts', maxts, 'tbucket', bucket, 'bytes', bytes)
  else
    redis.call('HSET', meta, 'next', nextOffset + n, 'maxts', maxts, 'tbucket', bucket, 'bytes', bytes, 'start', 0)
  end
  -- Waiting consumers on every gateway wake on this instead of polling the stream; announced only
  -- while some gateway has consumers waiting on this partition, so producing alone pays nothing.
  if channel ~= '' and redis.call('EXISTS', watched) == 1 then
    announced[#announced + 1] = (nextOffset + n) .. ' ' .. partition .. ' ' .. topic
  end
  result[j + 1] = nextOffset
end
-- One message for every watched partition of the call, a line each.
if #announced > 0 then redis.call('PUBLISH', channel, table.concat(announced, '\n')) end
return result
