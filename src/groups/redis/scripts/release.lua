#!lua
-- Gives up partitions this member holds. KEYS: meta, members, owners, offsets. ARGV: member id, channel, group, then partition keys.
local released = 0
for i = 4, #ARGV do
  if redis.call('HGET', KEYS[3], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[3], ARGV[i])
    released = released + 1
  end
end
if released > 0 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return released
