#!lua
-- Commits offsets, all or none. KEYS: meta, members, owners, offsets.
-- ARGV: member id ('' = no member: only allowed while the group has no live member), then
-- triples partition key, offset, metadata.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
if member ~= '' then
  local raw = redis.call('HGET', KEYS[2], member)
  if not raw or cjson.decode(raw).expiresAt < now then return redis.error_reply('NOT_OWNER ' .. (ARGV[2] or '')) end
  for i = 2, #ARGV, 3 do
    if redis.call('HGET', KEYS[3], ARGV[i]) ~= member then return redis.error_reply('NOT_OWNER ' .. ARGV[i]) end
  end
else
  local all = redis.call('HVALS', KEYS[2])
  for _, raw in ipairs(all) do
    if cjson.decode(raw).expiresAt >= now then return redis.error_reply('ACTIVE_GROUP') end
  end
end
for i = 2, #ARGV, 3 do
  redis.call('HSET', KEYS[4], ARGV[i], cjson.encode({ offset = tonumber(ARGV[i + 1]), metadata = ARGV[i + 2] }))
end
return 1
