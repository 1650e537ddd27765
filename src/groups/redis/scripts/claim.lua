#!lua
-- Takes partitions that are free, already ours, or held by a member that is gone. A fenced or
-- disconnected member takes nothing; what a fenced member still holds stays its own until it
-- releases it or its session runs out.
-- KEYS: meta, members, owners, offsets. ARGV: member id, then partition keys. Returns the partitions now held.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function record(id)
  local raw = redis.call('HGET', KEYS[2], id)
  if not raw then return nil end
  local m = cjson.decode(raw)
  if m.expiresAt < now then return nil end
  return m
end
local self = record(ARGV[1])
if not self or self.fencedBy or self.disconnected then return {} end
local claimed = {}
for i = 2, #ARGV do
  local owner = redis.call('HGET', KEYS[3], ARGV[i])
  if (not owner) or owner == ARGV[1] or not record(owner) then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[1])
    table.insert(claimed, ARGV[i])
  end
end
return claimed
