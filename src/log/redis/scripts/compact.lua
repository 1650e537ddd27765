#!lua
-- One bounded step of a compaction pass over a partition (Kafka's log cleaner for cleanup.policy
-- compact): looks at up to ARGV[4] entries from where the pass stands and XDELs those a later
-- record of the same key supersedes, and tombstones (no value) that are their key's latest once
-- compaction first saw them ARGV[3] ms ago (delete.retention.ms). Survivors keep their ids, so
-- offsets never change; the partition has gaps instead.
-- KEYS[1] stream, KEYS[2] meta hash, KEYS[3] key index (key -> latest offset, kept by append.lua),
-- KEYS[4] tombstones (sorted set of offsets scored by when compaction first saw them).
-- ARGV[1] now (the cleaner's clock, ms); ARGV[2] newest timestamp that may be compacted (now minus
-- min.compaction.lag.ms); ARGV[3] delete.retention.ms; ARGV[4] most entries to look at.
-- A pass stops at the first record younger than the lag (the head of the log is never compacted)
-- and at the log's last record, which is always kept: readers waiting at the end of the log then
-- always find a record below the next offset. Meta fields: `ccursor` where a pass under way
-- stands, `cleaned` where the last complete pass stopped (records from there on are dirty),
-- `kcursor` where the sweep of the key index for keys below the log start stands.
-- Every record removed leaves the partition's stored-bytes count (meta `bytes`, kept by append.lua
-- and trim-head.lua: the lengths of its field values).
-- Returns { records removed, 1 when the pass is complete else 0, stored bytes removed }.
local stream, meta, keyidx, tombs = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, newest, retention, maxScan = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', meta, 'next', 'start', 'ccursor', 'kcursor')
if not state[1] then return { 0, 1, 0 } end
local nextOffset, start = tonumber(state[1]), tonumber(state[2] or '0')
local from = math.max(start, tonumber(state[3] or '0'))

-- Records below the log start went with retention or delete-records (compact,delete): their
-- tombstones would keep the cleaner due forever, and keys whose latest record went would stay in
-- the index. The oldest few tombstones and a slice of the index are looked at per call.
if start > 0 then
  for _, member in ipairs(redis.call('ZRANGE', tombs, 0, 9)) do
    if tonumber(member) < start then redis.call('ZREM', tombs, member) end
  end
  local scan = redis.call('HSCAN', keyidx, state[4] or '0', 'COUNT', 100)
  for i = 1, #scan[2], 2 do
    if tonumber(scan[2][i + 1]) < start then redis.call('HDEL', keyidx, scan[2][i]) end
  end
  redis.call('HSET', meta, 'kcursor', scan[1])
end

local entries = redis.call('XRANGE', stream, '0-' .. (from + 1), '+', 'COUNT', maxScan)
local removed, removedBytes, stop, last = 0, 0, nil, nil
for _, entry in ipairs(entries) do
  local offset = tonumber(string.match(entry[1], '^0%-(%d+)$')) - 1
  if offset >= nextOffset - 1 then
    stop = offset
    break
  end
  local fields = entry[2]
  local ts, key, tombstone, size = 0, nil, true, 0
  for i = 1, #fields, 2 do
    local name = fields[i]
    size = size + #fields[i + 1]
    if name == 't' then
      ts = tonumber(fields[i + 1])
    elseif name == 'k' then
      key = fields[i + 1]
    elseif name == 'v' then
      tombstone = false
    end
  end
  if ts > newest then
    stop = offset
    break
  end
  last = offset
  -- A record without a key (written before the topic became compacted) is kept: nothing supersedes it.
  if key then
    local latest = tonumber(redis.call('HGET', keyidx, key) or '-1')
    if latest > offset then
      redis.call('XDEL', stream, entry[1])
      if tombstone then redis.call('ZREM', tombs, offset) end
      removed = removed + 1
      removedBytes = removedBytes + size
    else
      -- A record appended before the topic became compacted is not in the key index yet.
      if latest < offset then redis.call('HSET', keyidx, key, offset) end
      if tombstone then
        local seen = redis.call('ZSCORE', tombs, offset)
        if not seen then
          redis.call('ZADD', tombs, now, offset)
        elseif tonumber(seen) + retention <= now then
          redis.call('XDEL', stream, entry[1])
          redis.call('HDEL', keyidx, key)
          redis.call('ZREM', tombs, offset)
          removed = removed + 1
          removedBytes = removedBytes + size
        end
      end
    end
  end
end

if removedBytes > 0 then
  redis.call('HSET', meta, 'bytes', math.max(0, tonumber(redis.call('HGET', meta, 'bytes') or '0') - removedBytes))
end
if stop or #entries < maxScan then
  redis.call('HSET', meta, 'cleaned', stop or nextOffset)
  redis.call('HDEL', meta, 'ccursor')
  return { removed, 1, removedBytes }
end
redis.call('HSET', meta, 'ccursor', last + 1)
return { removed, 0, removedBytes }
