#!lua
-- Adds or renews a member. KEYS: meta, members, owners, offsets. ARGV: member id, member JSON (no expiresAt), session timeout ms, channel, group.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = cjson.decode(ARGV[2])
member.expiresAt = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(member))
redis.call('HINCRBY', KEYS[1], 'mv', 1)
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
