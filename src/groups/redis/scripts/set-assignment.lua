#!lua
-- Stores a new assignment if the membership is still the one it was computed for, none was
-- stored for it yet (members that computed it at the same moment make one generation, not two),
-- and the initial rebalance delay is over.
-- KEYS: meta, members, owners, offsets. ARGV: expected members version, assignment JSON, topology, channel, group.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local meta = redis.call('HMGET', KEYS[1], 'mv', 'delayUntil', 'av')
local expected = tonumber(ARGV[1])
if tonumber(meta[1] or '0') ~= expected or tonumber(meta[3] or '-1') == expected or now < tonumber(meta[2] or '0') then return -1 end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('HSET', KEYS[1], 'assignment', ARGV[2], 'topology', ARGV[3], 'av', ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return gen
