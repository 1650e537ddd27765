#!lua
-- Removes a member and releases everything it holds. KEYS: meta, members, owners, offsets. ARGV: member id, channel, group.
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
local flat = redis.call('HGETALL', KEYS[3])
for i = 1, #flat, 2 do
  if flat[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[3], flat[i]) end
end
-- A fenced member was no longer counted: the membership did not change.
if not cjson.decode(raw).fencedBy then redis.call('HINCRBY', KEYS[1], 'mv', 1) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
