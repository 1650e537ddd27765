-- Soft- or permanently deletes versions of one subject in one atomic step, refusing when another
-- version still references one of them (a live one; any one when deleting permanently).
-- KEYS: 1 subjects, 2 live-subjects, 3 revisions, 4 revision-seq, 5 versions:<subject>,
--       6 live-ids:<subject>, 7 usages, 8 config, 9 mode,
--       then per target: referenced-by:<version>:<subject>,
--       then per target, per reference it makes: referenced-by:<referenced version>:<referenced subject>
-- ARGV: 1 subject, 2 expected revision, 3 '1' permanent, 4 '1' ignore referrers in the subject,
--       5 target count, then per target: version, schema id, count of its references
-- Returns {'deleted'} | {'retry'} | {'referenced', version, referrer}
local subject = ARGV[1]
local permanent = ARGV[3] == '1'
local ignoreOwn = ARGV[4] == '1'
local targetCount = tonumber(ARGV[5])

if (redis.call('HGET', KEYS[3], subject) or '') ~= ARGV[2] or ARGV[2] == '' then return {'retry'} end

for t = 1, targetCount do
  local referrers = redis.call('HGETALL', KEYS[9 + t])
  for i = 1, #referrers, 2 do
    local referrerSubject = string.sub(referrers[i], string.find(referrers[i], ':', 1, true) + 1)
    if not (ignoreOwn and referrerSubject == subject) then
      if permanent or not cjson.decode(referrers[i + 1]).deleted then
        return {'referenced', ARGV[3 + 3 * t], referrers[i]}
      end
    end
  end
end

local referenceKey = 9 + targetCount
for t = 1, targetCount do
  local version = ARGV[3 + 3 * t]
  local id = ARGV[4 + 3 * t]
  local member = version .. ':' .. subject
  if redis.call('HGET', KEYS[6], id) == version then redis.call('HDEL', KEYS[6], id) end
  if permanent then
    redis.call('HDEL', KEYS[5], version)
    redis.call('ZREM', KEYS[7], id .. ':' .. member)
  else
    redis.call('HSET', KEYS[5], version, cjson.encode({id = tonumber(id), deleted = true}))
  end
  for _ = 1, tonumber(ARGV[5 + 3 * t]) do
    referenceKey = referenceKey + 1
    if permanent then
      redis.call('HDEL', KEYS[referenceKey], member)
    elseif redis.call('HEXISTS', KEYS[referenceKey], member) == 1 then
      redis.call('HSET', KEYS[referenceKey], member, cjson.encode({id = tonumber(id), deleted = true}))
    end
  end
end

local anyVersion, anyLive = false, false
for _, entry in ipairs(redis.call('HVALS', KEYS[5])) do
  anyVersion = true
  if not cjson.decode(entry).deleted then anyLive = true break end
end
if not anyLive then redis.call('SREM', KEYS[2], subject) end
if anyVersion then
  redis.call('HSET', KEYS[3], subject, redis.call('INCR', KEYS[4]))
else
  -- The subject is gone: so are its own config and mode (as in Confluent).
  redis.call('SREM', KEYS[1], subject)
  redis.call('HDEL', KEYS[3], subject)
  redis.call('HDEL', KEYS[8], 'subject:' .. subject)
  redis.call('HDEL', KEYS[9], 'subject:' .. subject)
end
return {'deleted'}
