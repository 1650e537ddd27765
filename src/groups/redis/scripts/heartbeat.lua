#!lua
-- Renews a member, expires members past their session, and returns the group as JSON
-- (or false when this member itself is gone). KEYS: meta, members, owners, offsets.
-- ARGV: member id, channel, group.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[2])
local members = {}
local expired = false
local self = nil
for i = 1, #all, 2 do
  local m = cjson.decode(all[i + 1])
  if m.expiresAt < now then
    redis.call('HDEL', KEYS[2], all[i])
    expired = true
  else
    if all[i] == ARGV[1] then
      m.expiresAt = now + m.sessionTimeoutMs
      redis.call('HSET', KEYS[2], all[i], cjson.encode(m))
      self = m
    end
    table.insert(members, m)
  end
end
if expired then
  redis.call('HINCRBY', KEYS[1], 'mv', 1)
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
if not self then return false end
local meta = redis.call('HMGET', KEYS[1], 'mv', 'av', 'gen', 'assignment', 'topology')
local owners = {}
local flat = redis.call('HGETALL', KEYS[3])
for i = 1, #flat, 2 do owners[flat[i]] = flat[i + 1] end
return cjson.encode({
  membersVersion = tonumber(meta[1] or '0'),
  assignedVersion = tonumber(meta[2] or '-1'),
  generation = tonumber(meta[3] or '0'),
  assignment = meta[4] or '{}',
  topology = meta[5] or '',
  members = members,
  owners = owners,
  now = now,
})
