#!lua
-- Extends a driver's lease on a v2 consumer instance. KEYS: state, lease. ARGV: epoch, token, TTL ms.
-- held: renewed, or taken again after it lapsed while nobody else took it; lost: another gateway's
-- lease; ended: the instance is gone or has another subscription (epoch) and nobody drives it.
local e = redis.call('HGET', KEYS[1], 'e')
if not e then return 'ended' end
local lease = redis.call('GET', KEYS[2])
if lease == ARGV[2] then
  if e ~= ARGV[1] then return 'lost' end
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 'held'
end
if lease then return 'lost' end
if e ~= ARGV[1] then return 'ended' end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 'held'
