#!lua
-- A static member's connection went away without leaving: it releases what it holds and stays a
-- member, its assignment reserved, for one session timeout from now (no rebalance). A fenced
-- member is removed instead. KEYS: meta, members, owners, offsets. ARGV: member id, channel, group.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local member = cjson.decode(raw)
if member.fencedBy then
  redis.call('HDEL', KEYS[2], ARGV[1])
else
  member.disconnected = true
  member.expiresAt = now + member.sessionTimeoutMs
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(member))
end
local flat = redis.call('HGETALL', KEYS[3])
for i = 1, #flat, 2 do
  if flat[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[3], flat[i]) end
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
