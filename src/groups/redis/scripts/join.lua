#!lua
-- Adds or renews a member. KEYS: meta, members, owners, offsets.
-- ARGV: member id, member JSON (no expiresAt), session timeout ms, channel, group,
-- initial rebalance delay ms, delay cap factor.
-- A member whose instance id a live member already has takes that member's place (KIP-345 static
-- membership): it inherits its assignment, which stays current when the subscription is the same,
-- and the earlier member is fenced (removed at once if it was disconnected). A member that makes an
-- empty group non-empty opens the initial rebalance delay; joins during it start it again, up to
-- the cap. Returns the id of the member replaced, or false.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = ARGV[1]
local member = cjson.decode(ARGV[2])
member.expiresAt = now + tonumber(ARGV[3])

local others = 0
local replaced = nil
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if all[i] ~= id then
    local other = cjson.decode(all[i + 1])
    if not other.fencedBy then
      if other.expiresAt < now then
        redis.call('HDEL', KEYS[2], all[i])
      elseif member.instanceId and other.instanceId == member.instanceId then
        replaced = other
      else
        others = others + 1
      end
    end
  end
end

local function subscription(m)
  local topics = {}
  for _, topic in ipairs(m.topics) do table.insert(topics, topic) end
  table.sort(topics)
  return m.assignor .. '|' .. table.concat(topics, ',')
end

local meta = redis.call('HMGET', KEYS[1], 'mv', 'av', 'assignment', 'delayMs', 'delayUntil', 'delayCap')
local keepsAssignment = false
if replaced then
  if replaced.disconnected then
    redis.call('HDEL', KEYS[2], replaced.memberId)
  else
    replaced.fencedBy = id
    redis.call('HSET', KEYS[2], replaced.memberId, cjson.encode(replaced))
  end
  if meta[3] then
    local assignment = cjson.decode(meta[3])
    assignment[id] = assignment[replaced.memberId]
    assignment[replaced.memberId] = nil
    redis.call('HSET', KEYS[1], 'assignment', cjson.encode(assignment))
  end
  keepsAssignment = (meta[1] or '0') == (meta[2] or '-1') and subscription(replaced) == subscription(member)
elseif others == 0 then
  local delay = tonumber(ARGV[6])
  redis.call('HSET', KEYS[1], 'delayMs', delay, 'delayUntil', now + delay, 'delayCap', now + delay * tonumber(ARGV[7]))
elseif now < tonumber(meta[5] or '0') then
  redis.call('HSET', KEYS[1], 'delayUntil', math.min(now + tonumber(meta[4]), tonumber(meta[6])))
end

redis.call('HSET', KEYS[2], id, cjson.encode(member))
local mv = redis.call('HINCRBY', KEYS[1], 'mv', 1)
if keepsAssignment then redis.call('HSET', KEYS[1], 'av', mv) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
if replaced then return replaced.memberId end
return false
