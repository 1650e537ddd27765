#!lua
-- Renews a member, expires members past their session, and returns the group as JSON
-- (or false when this member itself is gone; an error FENCED when a newer member with its
-- instance id replaced it). KEYS: meta, members, owners, offsets. ARGV: member id, channel, group.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[2])
local members = {}
local expired = false
local self = nil
local fenced = nil
for i = 1, #all, 2 do
  local m = cjson.decode(all[i + 1])
  if all[i] == ARGV[1] and m.fencedBy then
    fenced = m.instanceId or ''
    if m.expiresAt < now then redis.call('HDEL', KEYS[2], all[i]) end
  elseif m.expiresAt < now then
    redis.call('HDEL', KEYS[2], all[i])
    -- A fenced member is no longer counted, so its expiry changes nothing.
    if not m.fencedBy then expired = true end
  elseif not m.fencedBy then
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
if fenced then return redis.error_reply('FENCED ' .. fenced) end
if not self then return false end
local meta = redis.call('HMGET', KEYS[1], 'mv', 'av', 'gen', 'assignment', 'topology', 'delayUntil')
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
  rebalanceDelayMs = math.max(0, tonumber(meta[6] or '0') - now),
})
