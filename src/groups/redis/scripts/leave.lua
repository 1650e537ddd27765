#!lua
-- Removes a member and releases everything it holds. KEYS: meta, members, owners, offsets. ARGV: member id, channel, group.
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
local flat = redis.call('HGETALL', KEYS[3])
for i = 1, #flat, 2 do
  if flat[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[3], flat[i]) end
end
redis.call('HINCRBY', KEYS[1], 'mv', 1)
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
