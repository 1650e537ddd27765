#!lua
-- Appends one produce batch to a partition, atomically, at dense offsets.
-- KEYS[1] stream, KEYS[2] meta hash, KEYS[3] time index, KEYS[4] "watched" flag (set while some gateway waits)
-- ARGV[1] 'L' for LogAppendTime, 'C' for CreateTime; ARGV[2] record count n;
-- ARGV[3] pub/sub channel announcing appends ('' for none), ARGV[4] '<partition> <topic>';
-- then per record 5 values: flags (1 key, 2 value, 4 headers present), timestamp, key, value, headers.
-- Entry fields: t timestamp, k key, v value, h headers; an absent field is null.
-- Entry ids are written explicitly as 0-(offset+1) from the `next` counter, so offsets stay dense and
-- are never reused even if the stream is trimmed empty. Everything that can fail is checked before
-- the first XADD: Redis does not roll a script back, and a batch must be all or nothing.
local stream, meta, tidx, watched = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local n = tonumber(ARGV[2])
local state = redis.call('HMGET', meta, 'next', 'maxts', 'tbucket', 'start')
local nextOffset = tonumber(state[1] or '0')
local maxts = tonumber(state[2] or '-1')
local bucket = tonumber(state[3] or '-1')

if not state[1] and redis.call('EXISTS', stream) == 1 then
  return redis.error_reply('STREAMGATE partition metadata is missing but its stream exists: refusing to reuse offsets')
end
local top = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
if top[1] then
  local seq = tonumber(string.match(top[1][1], '^0%-(%d+)$') or '-1')
  if seq ~= nextOffset then
    return redis.error_reply('STREAMGATE partition stream and metadata disagree (stream top ' .. top[1][1] .. ', next offset ' .. nextOffset .. ')')
  end
end

local appendTime = -1
if ARGV[1] == 'L' then
  local now = redis.call('TIME')
  appendTime = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
local appendTimeText = tostring(appendTime)

for i = 0, n - 1 do
  local base = 5 + i * 5
  local ts = ARGV[base + 1]
  if appendTime >= 0 then ts = appendTimeText end
  -- Absent fields are null (a null key, a tombstone, no headers): the common keyed record has the
  -- same three fields as the stream's first entry, which Redis then stores only once per node.
  local flags = tonumber(ARGV[base])
  if flags == 3 then
    redis.call('XADD', stream, '0-' .. (nextOffset + i + 1), 't', ts, 'k', ARGV[base + 2], 'v', ARGV[base + 3])
  else
    local args = { stream, '0-' .. (nextOffset + i + 1), 't', ts }
    if flags % 2 == 1 then args[#args + 1] = 'k'; args[#args + 1] = ARGV[base + 2] end
    if math.floor(flags / 2) % 2 == 1 then args[#args + 1] = 'v'; args[#args + 1] = ARGV[base + 3] end
    if flags >= 4 then args[#args + 1] = 'h'; args[#args + 1] = ARGV[base + 4] end
    redis.call('XADD', unpack(args))
  end
  local t = tonumber(ts)
  if t > maxts then
    maxts = t
    -- A sparse index: one entry per 100 ms of new maximum timestamp, enough to bound a lookup's scan.
    local b = math.floor(t / 100)
    if b > bucket then
      bucket = b
      redis.call('ZADD', tidx, t, nextOffset + i)
    end
  end
end

if state[4] then
  redis.call('HSET', meta, 'next', nextOffset + n, 'maxts', maxts, 'tbucket', bucket)
else
  redis.call('HSET', meta, 'next', nextOffset + n, 'maxts', maxts, 'tbucket', bucket, 'start', 0)
end
-- Waiting consumers on every gateway wake on this instead of polling the stream; announced only
-- while some gateway has consumers waiting on this partition, so producing alone pays nothing.
if ARGV[3] ~= '' and redis.call('EXISTS', watched) == 1 then
  redis.call('PUBLISH', ARGV[3], (nextOffset + n) .. ' ' .. ARGV[4])
end
return { nextOffset, appendTime }
