-- Registers a schema under a subject in one atomic step: reuses the schema's id (by fingerprint)
-- or allocates the next one, appends the next version unless the schema is already a live
-- version of the subject, and records the references it makes.
-- KEYS: 1 id-seq, 2 schemas, 3 fingerprints, 4 subjects, 5 live-subjects, 6 revisions,
--       7 revision-seq, 8 versions:<subject>, 9 live-ids:<subject>, 10 usages,
--       then per reference: versions:<referenced subject>, referenced-by:<version>:<referenced subject>
-- ARGV: 1 subject, 2 lookup fingerprint, 3 schema record, 4 expected revision,
--       5 explicit id or '', 6 explicit version or '', 7 count of fingerprints to index,
--       then those fingerprints, then per reference: referenced version, its expected schema id
-- Returns {'registered'|'exists', id, version} | {'retry'} | {'missing-reference', index}
--       | {'id-conflict', id} | {'version-exists', version}
local subject = ARGV[1]
local fingerprintCount = tonumber(ARGV[7])
local referenceCount = (#KEYS - 10) / 2
local firstReferenceArg = 8 + fingerprintCount

local id = redis.call('HGET', KEYS[3], ARGV[2])
if ARGV[5] ~= '' then
  local existing = redis.call('HGET', KEYS[2], ARGV[5])
  if existing and existing ~= ARGV[3] then return {'id-conflict', ARGV[5]} end
  id = ARGV[5]
end

if id and ARGV[6] == '' then
  local live = redis.call('HGET', KEYS[9], id)
  if live then return {'exists', tostring(id), live} end
end

if (redis.call('HGET', KEYS[6], subject) or '') ~= ARGV[4] then return {'retry'} end

for i = 1, referenceCount do
  local entry = redis.call('HGET', KEYS[10 + 2 * i - 1], ARGV[firstReferenceArg + 2 * (i - 1)])
  if not entry or cjson.decode(entry).id ~= tonumber(ARGV[firstReferenceArg + 2 * (i - 1) + 1]) then
    return {'missing-reference', tostring(i)}
  end
end

local version
if ARGV[6] ~= '' then
  local taken = redis.call('HGET', KEYS[8], ARGV[6])
  if taken then
    -- Importing the same schema at the same version again changes nothing.
    if id and cjson.decode(taken).id == tonumber(id) then return {'exists', tostring(id), ARGV[6]} end
    return {'version-exists', ARGV[6]}
  end
  version = tonumber(ARGV[6])
else
  version = 1
  for _, existing in ipairs(redis.call('HKEYS', KEYS[8])) do
    local number = tonumber(existing)
    if number >= version then version = number + 1 end
  end
end

if not id then
  id = redis.call('INCR', KEYS[1])
end
id = tonumber(id)
if redis.call('HSETNX', KEYS[2], id, ARGV[3]) == 1 then
  for i = 1, fingerprintCount do redis.call('HSETNX', KEYS[3], ARGV[7 + i], id) end
  -- An imported id moves the sequence past it, so later ids never collide with it.
  if tonumber(redis.call('GET', KEYS[1]) or '0') < id then redis.call('SET', KEYS[1], id) end
end

local member = version .. ':' .. subject
redis.call('HSET', KEYS[8], version, cjson.encode({id = id, deleted = false}))
redis.call('HSET', KEYS[9], id, version)
redis.call('SADD', KEYS[4], subject)
redis.call('SADD', KEYS[5], subject)
redis.call('HSET', KEYS[6], subject, redis.call('INCR', KEYS[7]))
redis.call('ZADD', KEYS[10], id, id .. ':' .. member)
for i = 1, referenceCount do
  redis.call('HSET', KEYS[10 + 2 * i], member, cjson.encode({id = id, deleted = false}))
end
return {'registered', tostring(id), tostring(version)}
