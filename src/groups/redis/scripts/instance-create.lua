#!lua
-- Stores a new v2 consumer instance. KEYS: state, lease. ARGV: epoch, state JSON.
-- Returns 0 when the instance exists, else 1.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'v', 1, 'e', ARGV[1], 'doc', ARGV[2], 'u', now)
return 1
