#!lua
-- Replaces a v2 consumer instance's state if its version is still the expected one and the lease
-- condition holds (compare-and-set: of two gateways advancing one instance from the same state,
-- one wins). KEYS: state, lease. ARGV: expected version, epoch, state JSON, lease condition
-- (any | live | own | take | take-free | drop | drop-own), token, lease TTL ms.
-- Returns ok, conflict (the version moved on), lease (the condition failed) or gone.
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return 'gone' end
if v ~= ARGV[1] then return 'conflict' end
local kind = ARGV[4]
local lease = redis.call('GET', KEYS[2])
if kind == 'live' and not lease then return 'lease' end
if (kind == 'own' or kind == 'drop-own') and lease ~= ARGV[5] then return 'lease' end
if kind == 'take-free' and lease then return 'lease' end
if kind == 'take' or kind == 'take-free' then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])
elseif kind == 'drop' or kind == 'drop-own' then
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'v', tonumber(v) + 1, 'e', ARGV[2], 'doc', ARGV[3])
return 'ok'
