#!lua
-- Stores a new assignment if the membership is still the one it was computed for.
-- KEYS: meta, members, owners, offsets. ARGV: expected members version, assignment JSON, topology, channel, group.
local mv = tonumber(redis.call('HGET', KEYS[1], 'mv') or '0')
if mv ~= tonumber(ARGV[1]) then return -1 end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'assignment', ARGV[2], 'topology', ARGV[3], 'av', ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return gen
