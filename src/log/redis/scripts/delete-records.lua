#!lua
-- Removes every record below an offset and advances the log start offset (Kafka's DeleteRecords).
-- KEYS[1] stream, KEYS[2] meta hash, KEYS[3] time index; ARGV[1] offset.
-- The start never moves backwards nor past the next offset. Returns the new log start offset.
local stream, meta, tidx = KEYS[1], KEYS[2], KEYS[3]
local state = redis.call('HMGET', meta, 'start', 'next')
local start = tonumber(state[1] or '0')
local nextOffset = tonumber(state[2] or '0')
local target = math.min(math.max(tonumber(ARGV[1]), start), nextOffset)
if target > start then
  redis.call('XTRIM', stream, 'MINID', string.format('0-%d', target + 1))
  redis.call('HSET', meta, 'start', string.format('%d', target))
  -- Index entries below the new start are useless; scores grow with offsets, so drop from the low end.
  for _ = 1, 1000 do
    local first = redis.call('ZRANGE', tidx, 0, 0)
    if not first[1] or tonumber(first[1]) >= target then break end
    redis.call('ZREM', tidx, first[1])
  end
end
return target
