#!lua
-- Takes partitions that are free, already ours, or held by a member that is gone.
-- KEYS: meta, members, owners, offsets. ARGV: member id, then partition keys. Returns the partitions now held.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function live(id)
  local raw = redis.call('HGET', KEYS[2], id)
  return raw and cjson.decode(raw).expiresAt >= now
end
if not live(ARGV[1]) then return {} end
local claimed = {}
for i = 2, #ARGV do
  local owner = redis.call('HGET', KEYS[3], ARGV[i])
  if (not owner) or owner == ARGV[1] or not live(owner) then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[1])
    table.insert(claimed, ARGV[i])
  end
end
return claimed
